//! "Did you mean …?" suggestions for misspelt words in scenario files.

/// ` ; did you mean `x`?` for the candidate nearest to `word`, or "" when none is close.
pub fn did_you_mean(word: &str, candidates: &[&str]) -> String {
    candidates
        .iter()
        .map(|c| (levenshtein(word, c), *c))
        .filter(|(d, c)| *d <= (c.len() / 3).max(2))
        .min()
        .map(|(_, c)| format!("; did you mean `{c}`?"))
        .unwrap_or_default()
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
    }
}
