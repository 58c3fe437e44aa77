//! Sentence embeddings with all-MiniLM-L6-v2, read from a local directory.
//!
//! The model is a 6-layer BERT (`candle_transformers::models::bert`) run on
//! the CPU. Nothing is fetched at build or run time: the caller points
//! [`Embedder::load`] at a directory holding `config.json`, `tokenizer.json`
//! and `model.safetensors` (`scripts/fetch-minilm DIR` puts them there).
//!
//! The recipe is sentence-transformers' for this model, so vectors match the
//! published ones: texts are truncated at [`MAX_TOKENS`] word pieces (the
//! model's `max_seq_length`, not the 128 its `tokenizer.json` carries), the
//! last hidden states are mean-pooled over the real tokens only (the
//! attention mask keeps padding out of both attention and the mean), and the
//! mean is L2-normalised, so a dot product is a cosine similarity.
//!
//! Invariants: a text's vector does not depend on the other texts of its
//! batch (padding is masked out); `embed` returns one vector of
//! [`Embedder::dimensions`] floats per text, in input order.

use std::path::Path;

use candle_core::{D, DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{BertModel, Config};
use tokenizers::{PaddingParams, PaddingStrategy, Tokenizer, TruncationParams};

use crate::AiError;

/// The model's name in [`crate::Provenance`] and evaluation output.
pub const MODEL_NAME: &str = "all-MiniLM-L6-v2";

/// Word pieces kept per text, `[CLS]` and `[SEP]` included.
pub const MAX_TOKENS: usize = 256;

/// Texts run through the model at once. Texts are sorted by length first, so
/// a batch pads little; larger batches buy nothing on two cores.
const BATCH: usize = 32;

/// The files [`Embedder::load`] reads from the model directory.
const FILES: [&str; 3] = ["config.json", "tokenizer.json", "model.safetensors"];

/// A loaded sentence-embedding model.
pub struct Embedder {
    model: BertModel,
    tokenizer: Tokenizer,
    dimensions: usize,
    device: Device,
}

impl Embedder {
    /// Loads the model from `dir` (`config.json`, `tokenizer.json`,
    /// `model.safetensors`). Fails with [`AiError::Invalid`] naming the
    /// missing file or the unreadable one.
    pub fn load(dir: &Path) -> Result<Self, AiError> {
        if !dir.is_dir() {
            return Err(AiError::Invalid(format!(
                "embedding model directory {} does not exist (scripts/fetch-minilm DIR fetches all-MiniLM-L6-v2)",
                dir.display()
            )));
        }
        // Name every missing file at once, before parsing any of them.
        let missing: Vec<&str> = FILES.iter().copied().filter(|f| !dir.join(f).is_file()).collect();
        if !missing.is_empty() {
            return Err(AiError::Invalid(format!(
                "{} has no {} (an embedding model directory holds {})",
                dir.display(),
                missing.join(", "),
                FILES.join(", ")
            )));
        }
        let bad =
            |what: &Path, e: &dyn std::fmt::Display| AiError::Invalid(format!("cannot read {}: {e}", what.display()));

        let config_path = dir.join("config.json");
        let config_text = std::fs::read_to_string(&config_path).map_err(|e| bad(&config_path, &e))?;
        let config: Config = serde_json::from_str(&config_text).map_err(|e| bad(&config_path, &e))?;
        if MAX_TOKENS > config.max_position_embeddings {
            return Err(AiError::Invalid(format!(
                "{}: the model takes {} positions, fewer than the {MAX_TOKENS} tokens kept",
                config_path.display(),
                config.max_position_embeddings
            )));
        }

        let tokenizer_path = dir.join("tokenizer.json");
        let mut tokenizer = Tokenizer::from_file(&tokenizer_path).map_err(|e| bad(&tokenizer_path, &e))?;
        let truncation = TruncationParams { max_length: MAX_TOKENS, ..TruncationParams::default() };
        tokenizer.with_truncation(Some(truncation)).map_err(|e| bad(&tokenizer_path, &e))?;
        // The file asks for fixed padding to 128; pad each batch to its longest text instead.
        let padding = match tokenizer.get_padding() {
            Some(p) => PaddingParams { strategy: PaddingStrategy::BatchLongest, pad_to_multiple_of: None, ..p.clone() },
            None => PaddingParams {
                strategy: PaddingStrategy::BatchLongest,
                pad_id: config.pad_token_id as u32,
                ..PaddingParams::default()
            },
        };
        tokenizer.with_padding(Some(padding));

        let weights_path = dir.join("model.safetensors");
        let device = Device::Cpu;
        let bytes = std::fs::read(&weights_path).map_err(|e| bad(&weights_path, &e))?;
        let vb =
            VarBuilder::from_buffered_safetensors(bytes, DType::F32, &device).map_err(|e| bad(&weights_path, &e))?;
        let model = BertModel::load(vb, &config).map_err(|e| bad(&weights_path, &e))?;
        Ok(Self { model, tokenizer, dimensions: config.hidden_size, device })
    }

    /// The length of every vector [`Embedder::embed`] returns (384 for `MiniLM`).
    pub fn dimensions(&self) -> usize {
        self.dimensions
    }

    /// One L2-normalised vector per text, in input order. An empty text gets
    /// the vector of `[CLS] [SEP]`.
    pub fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, AiError> {
        // Sorting by length keeps each batch's padding short; the order is restored below.
        let mut order: Vec<usize> = (0..texts.len()).collect();
        order.sort_by_key(|&i| (texts[i].len(), i));
        let mut out = vec![Vec::new(); texts.len()];
        for chunk in order.chunks(BATCH) {
            let batch: Vec<&str> = chunk.iter().map(|&i| texts[i]).collect();
            for (&i, vector) in chunk.iter().zip(self.embed_batch(&batch)?) {
                out[i] = vector;
            }
        }
        Ok(out)
    }

    fn embed_batch(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, AiError> {
        let failed = |e: &dyn std::fmt::Display| AiError::Invalid(format!("embedding failed: {e}"));
        let encodings = self.tokenizer.encode_batch(texts.to_vec(), true).map_err(|e| failed(&e))?;
        let width = encodings.first().map_or(0, tokenizers::Encoding::len);
        let mut ids = Vec::with_capacity(texts.len() * width);
        let mut types = Vec::with_capacity(texts.len() * width);
        let mut mask = Vec::with_capacity(texts.len() * width);
        for e in &encodings {
            ids.extend_from_slice(e.get_ids());
            types.extend_from_slice(e.get_type_ids());
            mask.extend_from_slice(e.get_attention_mask());
        }
        let shape = (encodings.len(), width);
        let run = || -> candle_core::Result<Vec<Vec<f32>>> {
            let ids = Tensor::from_vec(ids, shape, &self.device)?;
            let types = Tensor::from_vec(types, shape, &self.device)?;
            let mask = Tensor::from_vec(mask, shape, &self.device)?;
            let hidden = self.model.forward(&ids, &types, Some(&mask))?; // (batch, tokens, dims)
            // Mean over real tokens: zero the padding's states, divide by the real count.
            let mask = mask.to_dtype(DType::F32)?.unsqueeze(2)?; // (batch, tokens, 1)
            let summed = hidden.broadcast_mul(&mask)?.sum(1)?; // (batch, dims)
            let counts = mask.sum(1)?.clamp(1e-9, f32::MAX)?; // (batch, 1)
            let mean = summed.broadcast_div(&counts)?;
            let norms = mean.sqr()?.sum_keepdim(D::Minus1)?.sqrt()?.clamp(1e-12, f32::MAX)?;
            mean.broadcast_div(&norms)?.to_vec2::<f32>()
        };
        run().map_err(|e| failed(&e))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn dot(a: &[f32], b: &[f32]) -> f32 {
        a.iter().zip(b).map(|(x, y)| x * y).sum()
    }

    #[test]
    fn a_missing_model_directory_is_a_clear_error() {
        let dir = std::env::temp_dir().join("autocrm-no-such-minilm-dir");
        let err = Embedder::load(&dir).err().expect("loading a missing directory fails");
        let text = err.to_string();
        assert!(text.contains("does not exist") && text.contains("fetch-minilm"), "{text}");
    }

    #[test]
    fn a_directory_without_the_weights_names_the_missing_file() {
        let dir = std::env::temp_dir().join(format!("autocrm-empty-minilm-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("config.json"), "{}").unwrap();
        let err = Embedder::load(&dir).err().expect("loading an incomplete directory fails");
        std::fs::remove_dir_all(&dir).unwrap();
        let text = err.to_string();
        assert!(text.contains("no tokenizer.json, model.safetensors"), "{text}");
    }

    /// Needs the model: `AUTOCRM_MINILM_DIR=DIR cargo test -p autocrm-ai --features embeddings`.
    #[test]
    fn embeddings_are_normalised_batch_independent_and_meaningful() {
        let Some(dir) = std::env::var_os("AUTOCRM_MINILM_DIR") else {
            eprintln!("skipped: set AUTOCRM_MINILM_DIR to an all-MiniLM-L6-v2 directory (scripts/fetch-minilm) to run");
            return;
        };
        let embedder = Embedder::load(Path::new(&dir)).unwrap();
        assert_eq!(embedder.dimensions(), 384);
        let long = "my card has not arrived yet ".repeat(80); // well past MAX_TOKENS
        let texts = [
            "My card still hasn't arrived, where is it?",
            "When will my new card be delivered?",
            "How do I change my PIN?",
            long.as_str(),
            "",
        ];
        let batch = embedder.embed(&texts).unwrap();
        assert_eq!(batch.len(), texts.len());
        for v in &batch {
            assert_eq!(v.len(), 384);
            assert!((dot(v, v) - 1.0).abs() < 1e-4, "not unit length");
        }
        // Alone, a short text gets no padding; in the batch it is padded to the long one.
        let alone = embedder.embed(&texts[..1]).unwrap();
        assert!(dot(&alone[0], &batch[0]) > 0.9999, "padding changed the vector");
        // Paraphrases are closer than unrelated requests.
        assert!(dot(&batch[0], &batch[1]) > dot(&batch[0], &batch[2]) + 0.1);
        // Truncation: the long text is the short phrase repeated, so it stays close to it.
        assert!(dot(&batch[3], &batch[1]) > dot(&batch[3], &batch[2]));
    }
}
