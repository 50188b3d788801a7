//! "Did you mean …?" suggestions for misspelt words in scenario files.

/// ` ; did you mean `x`?` for the candidate nearest to `word`, or "" when none is close.
///
/// Case is ignored, and a word whose `-`/`_`-separated parts are a candidate's in another
/// order (`preemptive-priority`) counts as an exact match.
pub fn did_you_mean(word: &str, candidates: &[&str]) -> String {
    let lower = word.to_lowercase();
    let parts = |s: &str| {
        let mut v: Vec<String> = s.split(['-', '_', ' ']).map(str::to_string).collect();
        v.sort();
        v
    };
    let word_parts = parts(&lower);
    candidates
        .iter()
        .map(|c| {
            let d = if parts(c) == word_parts {
                0
            } else {
                levenshtein(&lower, c)
            };
            (d, *c)
        })
        .filter(|(d, c)| *d <= (c.len() / 3).max(2))
        .min()
        .map(|(_, c)| format!("; did you mean `{c}`?"))
        .unwrap_or_default()
}

/// [`did_you_mean`], or when no candidate is close, `; expected one of `a`, `b`` (for at
/// most 12 candidates; "" beyond that).
pub fn suggest(word: &str, candidates: &[&str]) -> String {
    let near = did_you_mean(word, candidates);
    if !near.is_empty() || candidates.is_empty() || candidates.len() > 12 {
        return near;
    }
    let list: Vec<String> = candidates.iter().map(|c| format!("`{c}`")).collect();
    format!("; expected one of {}", list.join(", "))
}

/// Edit distance (insertions, deletions, substitutions) between two strings.
fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_near_words_only() {
        assert_eq!(
            did_you_mean("jsqq", &["jsq", "random"]),
            "; did you mean `jsq`?"
        );
        assert_eq!(
            did_you_mean("round_robin", &["round-robin", "random"]),
            "; did you mean `round-robin`?"
        );
        assert_eq!(did_you_mean("banana", &["jsq", "shared"]), "");
        assert_eq!(levenshtein("kitten", "sitting"), 3);
        assert_eq!(
            did_you_mean("JSQ", &["jsq", "random"]),
            "; did you mean `jsq`?"
        );
        assert_eq!(
            did_you_mean("preemptive-priority", &["priority", "priority-preemptive"]),
            "; did you mean `priority-preemptive`?"
        );
        assert_eq!(
            suggest("block", &["reject", "drop-oldest"]),
            "; expected one of `reject`, `drop-oldest`"
        );
        assert_eq!(suggest("rejct", &["reject"]), "; did you mean `reject`?");
    }
}
