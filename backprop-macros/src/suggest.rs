//! "Did you mean" hints for misspelled names.

/// The candidate closest to `name` by edit distance, if it is close enough to be a likely
/// typo: at most a third of the name's length (at least one edit), and not a rewrite of
/// the whole name (`y` does not suggest `o`).
pub(crate) fn closest<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = (name.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .map(|candidate| (strsim::damerau_levenshtein(name, candidate), candidate))
        .filter(|&(distance, _)| distance <= limit && distance < name.chars().count())
        .min_by_key(|&(distance, _)| distance)
        .map(|(_, candidate)| candidate)
}

/// `"; did you mean `x`?"` when a close candidate exists, else nothing.
pub(crate) fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> String {
    closest(name, candidates)
        .map(|candidate| format!("; did you mean `{candidate}`?"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_typos_and_ignores_strangers() {
        let names = ["sigmoid", "tanh", "relu", "softplus"];
        assert_eq!(closest("sigmod", names), Some("sigmoid"));
        assert_eq!(closest("tahn", names), Some("tanh"));
        assert_eq!(closest("gelu", names), Some("relu"));
        assert_eq!(closest("swish", names), None);
        assert_eq!(did_you_mean("relu6", names), "; did you mean `relu`?");
        assert_eq!(did_you_mean("mish", names), "");
        assert_eq!(closest("y", ["o", "x", "h"]), None);
        assert_eq!(closest("x3", ["x1", "h"]), Some("x1"));
    }
}
