//! The demo shop's step-by-step guides ("Return an item", "My package has
//! not arrived", "Change my subscription"), in English and German, published
//! so the help center and the widget show them. Their answers follow the
//! shop's support policy (`../shared/datasets/tau2-retail/policy.md`): only
//! delivered orders are returned or exchanged, only pending ones cancelled
//! or changed, refunds go to the original payment method or a gift card.

use anyhow::Context as _;
use autocrm_domain::Principal;
use autocrm_domain::tutorials::{LocaleText, Step};
use autocrm_store::Store;
use autocrm_store::tutorials::TutorialInput;
use serde::Deserialize;

const TUTORIALS: &str = include_str!("../demo/tutorials.json");

#[derive(Deserialize)]
struct File {
    default_locale: String,
    tutorials: Vec<Guide>,
}

#[derive(Deserialize)]
struct Guide {
    title: LocaleText,
    description: LocaleText,
    tags: Vec<String>,
    start: String,
    steps: Vec<Step>,
}

/// Creates and publishes the demo guides in the workspace `sys` acts for.
pub async fn seed(store: &Store, sys: &Principal) -> anyhow::Result<()> {
    let file: File = serde_json::from_str(TUTORIALS).context("demo/tutorials.json")?;
    for guide in file.tutorials {
        let input = TutorialInput {
            title: Some(guide.title),
            description: Some(guide.description),
            tags: Some(guide.tags),
            default_locale: Some(file.default_locale.clone()),
            start: Some(guide.start),
            steps: Some(guide.steps),
            revision: None,
        };
        let t = autocrm_store::tutorials::create(store, sys, input)
            .await
            .map_err(|e| anyhow::anyhow!("demo tutorial: {e:?}"))?;
        autocrm_store::tutorials::publish(store, sys, t.id).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn every_demo_guide_is_a_valid_graph_in_english_and_german() {
        let file: File = serde_json::from_str(TUTORIALS).unwrap();
        assert_eq!(file.tutorials.len(), 3);
        for g in file.tutorials {
            let mut graph = autocrm_domain::tutorials::Graph { start: g.start, steps: g.steps };
            autocrm_domain::tutorials::sanitize(&mut graph);
            let problems = autocrm_domain::tutorials::validate(&graph, "en", &[]);
            assert!(problems.is_empty(), "{:?}: {problems:?}", g.title);
            assert!(g.title.contains_key("de"));
            for step in &graph.steps {
                assert!(step.title.contains_key("de"), "{} has no German title", step.key);
                for c in &step.choices {
                    assert!(c.label.contains_key("de"), "{}/{} has no German label", step.key, c.key);
                }
            }
            let outcomes: std::collections::BTreeSet<_> =
                graph.steps.iter().flat_map(|s| s.choices.iter().filter_map(|c| c.target.outcome())).collect();
            assert!(outcomes.contains(&autocrm_domain::tutorials::Outcome::Solved));
            assert!(outcomes.contains(&autocrm_domain::tutorials::Outcome::OpenTicket));
        }
    }
}
