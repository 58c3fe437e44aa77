//! Satisfaction ratings on the demo shop's solved tickets, so Reports →
//! Customer satisfaction has something to show: about half of the solved
//! tickets are rated (a good e-mail survey's response rate), mostly good, a
//! few bad with a comment that fits the request. Each rating comes a few
//! hours to a day after the ticket was solved, so they spread over the same
//! weeks, agents and channels as the tickets. Deterministic: the same demo
//! every time.

use autocrm_store::Store;
use autocrm_store::portal::ratings::{self, Score};
use chrono::{DateTime, Duration, Utc};

/// A solved demo ticket, as the seeding loop left it.
pub struct SolvedTicket {
    /// The ticket.
    pub ticket_id: i64,
    /// When it was solved.
    pub solved_at: DateTime<Utc>,
    /// Its tags (pick a fitting complaint).
    pub tags: Vec<String>,
}

/// Thanks some customers leave with a good rating.
const PRAISE: &[&str] = &[
    "Quick and friendly, thank you!",
    "Sorted out in one reply. Great service.",
    "Thanks for the help with my order.",
    "Very helpful, explained everything clearly.",
];

/// A complaint that fits the ticket's tags; the first matching tag wins.
fn complaint(tags: &[String]) -> &'static str {
    const BY_TAG: &[(&str, &str)] = &[
        ("refund", "Still no refund on my card after two weeks. Closing the ticket doesn't fix that."),
        ("shipping", "The parcel is still not here and I only got a tracking link again."),
        ("cancellation", "I had to ask three times before the order was actually cancelled."),
        ("payment", "I was charged twice and nobody explained why."),
        ("return", "Return label took days to arrive. Too slow."),
        ("account", "Answer didn't solve my problem, I still can't change my details."),
    ];
    BY_TAG
        .iter()
        .find(|(tag, _)| tags.iter().any(|t| t == tag))
        .map_or("Took too long to get an answer.", |(_, text)| text)
}

/// Rates some of `solved` (oldest first) through the store, as their requesters would have.
pub async fn seed(store: &Store, ws: i64, solved: &[SolvedTicket], now: DateTime<Utc>) -> anyhow::Result<usize> {
    let mut rated = 0;
    for (i, t) in solved.iter().enumerate() {
        // 9 in 20 answer the survey; among them one in seven is unhappy (CSAT ≈ 85 %).
        if !matches!(i % 20, 0 | 2 | 3 | 6 | 9 | 11 | 14 | 15 | 18) {
            continue;
        }
        let bad = rated % 7 == 3;
        let (score, comment) = if bad {
            (Score::Bad, Some(complaint(&t.tags)))
        } else {
            // One happy customer in three writes something.
            (Score::Good, (rated % 3 == 0).then(|| PRAISE[rated % PRAISE.len()]))
        };
        // Customers rate from the "solved" e-mail, a few hours to a day later.
        let hours = 1 + i64::try_from((i * 5) % 23).unwrap_or(0);
        let at = (t.solved_at + Duration::hours(hours)).min(now - Duration::minutes(5));
        ratings::rate_at(store, ws, t.ticket_id, score, comment, at).await?;
        rated += 1;
    }
    Ok(rated)
}
