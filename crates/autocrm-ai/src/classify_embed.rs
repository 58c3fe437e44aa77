//! A classifier over sentence embeddings ([`crate::embed`]), optionally
//! combined with the built-in word/character classifier ([`crate::classify`]).
//!
//! The embedding model is multinomial logistic regression on the embedding
//! vectors, standardised per dimension on the training rows (`MiniLM`'s
//! dimensions differ in spread by an order of magnitude), trained by
//! mini-batch SGD with momentum and a linearly decaying step. Embeddings know
//! paraphrases; n-grams know the exact words a data set keys on. With
//! [`EmbedTrainOptions::word`] both are trained and a message's class score
//! is `w · ln p_embedding + (1 − w) · ln p_words`; the weight `w` is chosen
//! from [`EmbedTrainOptions::weights`] by accuracy on internal stratified
//! folds of the training rows only, so no test row ever tunes it.
//!
//! The classifier takes vectors, not an [`crate::embed::Embedder`]: callers
//! embed once and train and predict many times (cross-validation does), and
//! the model is tested without the model files.
//!
//! Invariants: training is deterministic (seeded shuffles, fixed summation
//! order, no threads); probabilities are over [`EmbeddingClassifier::labels`]
//! in that (sorted) order and sum to one.

use std::collections::BTreeMap;

use crate::AiError;
use crate::classify::{Classifier, Prediction, TrainOptions};

/// The model's name in [`crate::Provenance`] and evaluation output.
pub const MODEL_NAME: &str = "minilm-logistic-v1";

/// How to train an [`EmbeddingClassifier`].
#[derive(Debug, Clone, PartialEq)]
pub struct EmbedTrainOptions {
    /// Seeds the shuffles and the internal folds.
    pub seed: u64,
    /// Passes over the training rows.
    pub epochs: usize,
    /// The first step; it decays linearly to zero over the epochs.
    pub learning_rate: f32,
    /// L2 regularisation (weight decay) of the weights, not the biases.
    pub l2: f32,
    /// Rows per SGD step.
    pub batch: usize,
    /// Also train the word/character classifier with these options and
    /// combine the two; `None` uses the embeddings alone.
    pub word: Option<TrainOptions>,
    /// Internal folds that choose the combination weight (at least 2).
    pub folds: usize,
    /// Candidate weights of the embedding model in the combination, each in 0..=1.
    pub weights: Vec<f32>,
}

impl Default for EmbedTrainOptions {
    fn default() -> Self {
        Self {
            seed: 42,
            epochs: 40,
            learning_rate: 0.5,
            l2: 1e-4,
            batch: 16,
            word: Some(TrainOptions::default()),
            folds: 3,
            weights: (0..=10).map(|i| i as f32 / 10.0).collect(),
        }
    }
}

/// Logistic regression over standardised embeddings.
#[derive(Debug, Clone, PartialEq)]
struct Linear {
    dims: usize,
    /// Per-dimension mean and `1 / (std · √dims)` of the training rows, so a
    /// standardised row has a squared norm near one and one step size fits any `dims`.
    mean: Vec<f32>,
    scale: Vec<f32>,
    /// Feature-major: `weights[d * classes + c]`.
    weights: Vec<f32>,
    bias: Vec<f32>,
}

impl Linear {
    fn standardise(&self, x: &[f32], out: &mut Vec<f32>) {
        out.clear();
        out.extend(x.iter().zip(&self.mean).zip(&self.scale).map(|((v, m), s)| (v - m) * s));
    }

    fn log_probabilities(&self, x: &[f32]) -> Vec<f32> {
        let mut z = Vec::with_capacity(self.dims);
        self.standardise(x, &mut z);
        let mut scores = self.bias.clone();
        scores_into(&self.weights, &z, &mut scores);
        log_softmax(&mut scores);
        scores
    }

    fn fit(rows: &[&[f32]], targets: &[usize], classes: usize, opts: &EmbedTrainOptions) -> Linear {
        let dims = rows.first().map_or(0, |r| r.len());
        let n = rows.len().max(1) as f32;
        let mut mean = vec![0.0f32; dims];
        for r in rows {
            for (m, v) in mean.iter_mut().zip(*r) {
                *m += v / n;
            }
        }
        let mut var = vec![0.0f32; dims];
        for r in rows {
            for ((s, v), m) in var.iter_mut().zip(*r).zip(&mean) {
                *s += (v - m) * (v - m) / n;
            }
        }
        let root_dims = (dims.max(1) as f32).sqrt();
        let scale: Vec<f32> = var.iter().map(|v| 1.0 / (v.sqrt().max(1e-6) * root_dims)).collect();
        let mut model = Linear { dims, mean, scale, weights: vec![0.0; dims * classes], bias: vec![0.0; classes] };
        let data: Vec<Vec<f32>> = rows
            .iter()
            .map(|r| {
                let mut z = Vec::with_capacity(dims);
                model.standardise(r, &mut z);
                z
            })
            .collect();

        let mut order: Vec<usize> = (0..data.len()).collect();
        let mut rng = Rng(opts.seed);
        let (mut vel_w, mut vel_b) = (vec![0.0f32; model.weights.len()], vec![0.0f32; classes]);
        let (mut grad_w, mut grad_b) = (vec![0.0f32; model.weights.len()], vec![0.0f32; classes]);
        let mut scores = vec![0.0f32; classes];
        let batch = opts.batch.max(1);
        let steps_total = (opts.epochs * data.len().div_ceil(batch)).max(1) as f32;
        let mut step = 0.0f32;
        for _ in 0..opts.epochs {
            rng.shuffle(&mut order);
            for chunk in order.chunks(batch) {
                grad_w.fill(0.0);
                grad_b.fill(0.0);
                for &i in chunk {
                    let x = &data[i];
                    scores.copy_from_slice(&model.bias);
                    scores_into(&model.weights, x, &mut scores);
                    log_softmax(&mut scores);
                    // Cross-entropy gradient: p − onehot.
                    for s in &mut scores {
                        *s = s.exp();
                    }
                    scores[targets[i]] -= 1.0;
                    for (g, &e) in grad_b.iter_mut().zip(&scores) {
                        *g += e;
                    }
                    for (&xd, gw) in x.iter().zip(grad_w.chunks_exact_mut(classes)) {
                        for (g, &e) in gw.iter_mut().zip(&scores) {
                            *g += xd * e;
                        }
                    }
                }
                let lr = opts.learning_rate * (1.0 - step / steps_total);
                step += 1.0;
                let m = chunk.len() as f32;
                for ((w, v), g) in model.weights.iter_mut().zip(&mut vel_w).zip(&grad_w) {
                    *v = MOMENTUM * *v - lr * (g / m + opts.l2 * *w);
                    *w += *v;
                }
                for ((b, v), g) in model.bias.iter_mut().zip(&mut vel_b).zip(&grad_b) {
                    *v = MOMENTUM * *v - lr * (g / m);
                    *b += *v;
                }
            }
        }
        model
    }
}

const MOMENTUM: f32 = 0.9;

/// The log-probability given to a label a sub-model never saw.
const UNSEEN: f32 = -30.0;

/// `scores[c] += Σ_d weights[d * classes + c] · x[d]`.
fn scores_into(weights: &[f32], x: &[f32], scores: &mut [f32]) {
    let classes = scores.len();
    for (&xd, w) in x.iter().zip(weights.chunks_exact(classes)) {
        for (s, &wc) in scores.iter_mut().zip(w) {
            *s += xd * wc;
        }
    }
}

fn log_softmax(scores: &mut [f32]) {
    let max = scores.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let log_sum = scores.iter().map(|s| (s - max).exp()).sum::<f32>().ln() + max;
    for s in scores {
        *s -= log_sum;
    }
}

/// A splitmix64 generator: seeded shuffles without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = (self.next() % (i as u64 + 1)) as usize;
            items.swap(i, j);
        }
    }
}

/// A trained classifier over embeddings, with the word model it is combined with.
#[derive(Debug, Clone)]
pub struct EmbeddingClassifier {
    labels: Vec<String>,
    linear: Linear,
    word: Option<WordModel>,
    embedding_weight: f32,
}

/// The word/character classifier and where each of our labels sits in its labels.
#[derive(Debug, Clone)]
struct WordModel {
    model: Classifier,
    index: Vec<Option<usize>>,
}

impl WordModel {
    fn train(examples: &[(&str, &str)], labels: &[String], opts: &TrainOptions) -> Result<WordModel, AiError> {
        let model = Classifier::train(examples, opts)?;
        let index = labels.iter().map(|l| model.labels().iter().position(|m| m == l)).collect();
        Ok(WordModel { model, index })
    }

    /// Log-probabilities in the caller's label order.
    fn log_probabilities(&self, text: &str) -> Vec<f32> {
        let p = self.model.probabilities(text);
        self.index.iter().map(|i| i.map_or(UNSEEN, |i| p[i].max(1e-30).ln())).collect()
    }
}

/// `w · a + (1 − w) · b`, normalised to log-probabilities.
fn combine(a: &[f32], b: &[f32], w: f32) -> Vec<f32> {
    let mut s: Vec<f32> = a.iter().zip(b).map(|(x, y)| w * x + (1.0 - w) * y).collect();
    log_softmax(&mut s);
    s
}

fn argmax(scores: &[f32]) -> usize {
    // Ties go to the earlier label.
    let mut best = 0;
    for (i, s) in scores.iter().enumerate() {
        if *s > scores[best] {
            best = i;
        }
    }
    best
}

/// Stratified internal folds: each label's rows dealt round-robin after a seeded shuffle.
fn internal_folds(targets: &[usize], classes: usize, k: usize, seed: u64) -> Vec<usize> {
    let mut by_class = vec![Vec::new(); classes];
    for (i, &t) in targets.iter().enumerate() {
        by_class[t].push(i);
    }
    let mut rng = Rng(seed ^ 0x5EED);
    let mut folds = vec![0; targets.len()];
    let mut offset = 0;
    for rows in &mut by_class {
        rng.shuffle(rows);
        for (j, &i) in rows.iter().enumerate() {
            folds[i] = (j + offset) % k;
        }
        offset += rows.len();
    }
    folds
}

impl EmbeddingClassifier {
    /// Trains on `(text, label)` rows and their embeddings (`embeddings[i]`
    /// belongs to `examples[i]`, all of one length). Fails on no rows, fewer
    /// than two labels, mismatched lengths, or fewer than two internal folds
    /// when combining with the word model.
    pub fn train(
        examples: &[(&str, &str)],
        embeddings: &[Vec<f32>],
        opts: &EmbedTrainOptions,
    ) -> Result<EmbeddingClassifier, AiError> {
        if examples.is_empty() {
            return Err(AiError::Invalid("no training examples".into()));
        }
        if examples.len() != embeddings.len() {
            return Err(AiError::Invalid(format!("{} examples but {} embeddings", examples.len(), embeddings.len())));
        }
        let dims = embeddings[0].len();
        if dims == 0 || embeddings.iter().any(|e| e.len() != dims) {
            return Err(AiError::Invalid("embeddings must be non-empty and of one length".into()));
        }
        let mut labels: Vec<String> = examples.iter().map(|(_, l)| (*l).to_string()).collect();
        labels.sort();
        labels.dedup();
        if labels.len() < 2 {
            return Err(AiError::Invalid("training needs at least two labels".into()));
        }
        let position: BTreeMap<&str, usize> = labels.iter().enumerate().map(|(i, l)| (l.as_str(), i)).collect();
        let targets: Vec<usize> = examples.iter().map(|(_, l)| position[l]).collect();
        let rows: Vec<&[f32]> = embeddings.iter().map(Vec::as_slice).collect();

        let (word, embedding_weight) = match &opts.word {
            None => (None, 1.0),
            Some(word_opts) => {
                if opts.folds < 2 {
                    return Err(AiError::Invalid("choosing the combination weight needs at least 2 folds".into()));
                }
                let w = choose_weight(examples, &rows, &targets, &labels, word_opts, opts)?;
                (Some(WordModel::train(examples, &labels, word_opts)?), w)
            }
        };
        let linear = Linear::fit(&rows, &targets, labels.len(), opts);
        Ok(EmbeddingClassifier { labels, linear, word, embedding_weight })
    }

    /// The labels the model knows, sorted.
    pub fn labels(&self) -> &[String] {
        &self.labels
    }

    /// The weight of the embedding model in the combination (1 without a word model).
    pub fn embedding_weight(&self) -> f32 {
        self.embedding_weight
    }

    /// The embedding length the model was trained on.
    pub fn dimensions(&self) -> usize {
        self.linear.dims
    }

    /// Class probabilities of a text and its embedding, in [`Self::labels`] order.
    pub fn probabilities(&self, text: &str, embedding: &[f32]) -> Result<Vec<f32>, AiError> {
        let e = self.embedding_probabilities(embedding)?;
        let Some(word) = &self.word else { return Ok(e) };
        let e: Vec<f32> = e.iter().map(|p| p.max(1e-30).ln()).collect();
        let log_p = combine(&e, &word.log_probabilities(text), self.embedding_weight);
        Ok(log_p.into_iter().map(f32::exp).collect())
    }

    /// The embedding model's probabilities alone, without the word model.
    pub fn embedding_probabilities(&self, embedding: &[f32]) -> Result<Vec<f32>, AiError> {
        if embedding.len() != self.linear.dims {
            return Err(AiError::Invalid(format!(
                "embedding of length {}, the model takes {}",
                embedding.len(),
                self.linear.dims
            )));
        }
        Ok(self.linear.log_probabilities(embedding).into_iter().map(f32::exp).collect())
    }

    /// Classifies a text given its embedding: the best label, its probability
    /// and the three best labels (never out of scope).
    pub fn predict(&self, text: &str, embedding: &[f32]) -> Result<Prediction, AiError> {
        let p = self.probabilities(text, embedding)?;
        let mut ranked: Vec<usize> = (0..p.len()).collect();
        ranked.sort_by(|&a, &b| p[b].total_cmp(&p[a]).then(a.cmp(&b)));
        let alternatives = ranked.iter().take(3).map(|&c| (self.labels[c].clone(), p[c])).collect();
        let best = ranked[0];
        Ok(Prediction { label: self.labels[best].clone(), confidence: p[best], alternatives, out_of_scope: false })
    }
}

/// A row's held-out log-probabilities: the embedding model's, the word model's.
type HeldOut = (Vec<f32>, Vec<f32>);

/// The candidate weight with the best accuracy on internal folds (ties: the
/// lower held-out log-loss, then the earlier candidate).
fn choose_weight(
    examples: &[(&str, &str)],
    rows: &[&[f32]],
    targets: &[usize],
    labels: &[String],
    word_opts: &TrainOptions,
    opts: &EmbedTrainOptions,
) -> Result<f32, AiError> {
    let classes = labels.len();
    let folds = internal_folds(targets, classes, opts.folds, opts.seed);
    // Held-out log-probabilities of both models for every training row.
    let mut held_out: Vec<HeldOut> = vec![(Vec::new(), Vec::new()); rows.len()];
    for fold in 0..opts.folds {
        let train: Vec<usize> = (0..rows.len()).filter(|&i| folds[i] != fold).collect();
        let test: Vec<usize> = (0..rows.len()).filter(|&i| folds[i] == fold).collect();
        if train.is_empty() || test.is_empty() {
            continue;
        }
        let sub_rows: Vec<&[f32]> = train.iter().map(|&i| rows[i]).collect();
        let sub_targets: Vec<usize> = train.iter().map(|&i| targets[i]).collect();
        let linear = Linear::fit(&sub_rows, &sub_targets, classes, opts);
        let sub_examples: Vec<(&str, &str)> = train.iter().map(|&i| examples[i]).collect();
        let distinct = sub_targets.iter().collect::<std::collections::BTreeSet<_>>().len();
        let word = if distinct >= 2 { Some(WordModel::train(&sub_examples, labels, word_opts)?) } else { None };
        for &i in &test {
            let w = word.as_ref().map_or_else(|| vec![UNSEEN; classes], |m| m.log_probabilities(examples[i].0));
            held_out[i] = (linear.log_probabilities(rows[i]), w);
        }
    }
    let scored: Vec<(usize, &HeldOut)> = held_out.iter().enumerate().filter(|(_, (e, _))| !e.is_empty()).collect();
    let mut best: Option<(usize, f64, f32)> = None; // (right, -loss, weight)
    for &w in &opts.weights {
        let (mut right, mut loss) = (0usize, 0.0f64);
        for &(i, (e, words)) in &scored {
            let s = combine(e, words, w);
            right += usize::from(argmax(&s) == targets[i]);
            loss -= f64::from(s[targets[i]]);
        }
        if best.is_none_or(|(r, l, _)| (right, -loss) > (r, l)) {
            best = Some((right, -loss, w));
        }
    }
    Ok(best.map_or(1.0, |b| b.2))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    /// Three labels; each text's "embedding" points near its label's axis,
    /// with a seeded jitter so the rows are not identical.
    fn toy() -> (Vec<(&'static str, &'static str)>, Vec<Vec<f32>>) {
        let texts = [
            ("where is my parcel", "shipping"),
            ("my order has not arrived", "shipping"),
            ("tracking number please", "shipping"),
            ("when will the package come", "shipping"),
            ("i want my money back", "refund"),
            ("refund my purchase", "refund"),
            ("please return the money", "refund"),
            ("how do i get a refund", "refund"),
            ("change my password", "account"),
            ("cannot log in to my account", "account"),
            ("reset my login", "account"),
            ("update my email address", "account"),
        ];
        let mut rng = Rng(9);
        let axis = |l: &str| match l {
            "shipping" => 0,
            "refund" => 1,
            _ => 2,
        };
        let vectors = texts
            .iter()
            .map(|(_, l)| {
                let mut v: Vec<f32> = (0..8).map(|_| (rng.next() % 1000) as f32 / 5000.0).collect();
                v[axis(l)] += 1.0;
                v
            })
            .collect();
        (texts.to_vec(), vectors)
    }

    #[test]
    fn learns_labels_from_embeddings_alone() {
        let (examples, vectors) = toy();
        let opts = EmbedTrainOptions { word: None, ..EmbedTrainOptions::default() };
        let model = EmbeddingClassifier::train(&examples, &vectors, &opts).unwrap();
        assert_eq!(model.labels(), ["account", "refund", "shipping"]);
        assert!((model.embedding_weight() - 1.0).abs() < f32::EPSILON);
        let mut probe = vec![0.05; 8];
        probe[1] = 1.0;
        let prediction = model.predict("anything at all", &probe).unwrap();
        assert_eq!(prediction.label, "refund");
        let p = model.probabilities("anything at all", &probe).unwrap();
        assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-4);
        for ((text, label), v) in examples.iter().zip(&vectors) {
            assert_eq!(model.predict(text, v).unwrap().label, *label, "{text}");
        }
    }

    #[test]
    fn the_combination_weight_is_chosen_on_internal_folds() {
        let (examples, vectors) = toy();
        // Embeddings that carry no signal: the folds must pick the word model.
        let noise: Vec<Vec<f32>> = vectors.iter().map(|v| v.iter().map(|x| x.fract() * 0.1).collect()).collect();
        let opts = EmbedTrainOptions { weights: vec![0.0, 1.0], ..EmbedTrainOptions::default() };
        let model = EmbeddingClassifier::train(&examples, &noise, &opts).unwrap();
        assert!(model.embedding_weight() < 0.5, "weight {}", model.embedding_weight());
        // And embeddings that carry all of it (texts that share no words) pick the embeddings.
        let blank: Vec<(&str, &str)> =
            examples.iter().enumerate().map(|(i, (_, l))| (["x", "y", "z", "w"][i % 4], *l)).collect();
        let model = EmbeddingClassifier::train(&blank, &vectors, &opts).unwrap();
        assert!(model.embedding_weight() > 0.5, "weight {}", model.embedding_weight());
    }

    #[test]
    fn training_is_deterministic_and_checks_its_input() {
        let (examples, vectors) = toy();
        let opts = EmbedTrainOptions::default();
        let a = EmbeddingClassifier::train(&examples, &vectors, &opts).unwrap();
        let b = EmbeddingClassifier::train(&examples, &vectors, &opts).unwrap();
        assert_eq!(a.linear, b.linear);
        assert!(EmbeddingClassifier::train(&examples, &vectors[1..], &opts).is_err());
        assert!(EmbeddingClassifier::train(&[], &[], &opts).is_err());
        assert!(a.probabilities("x", &[0.0; 3]).is_err());
    }
}
