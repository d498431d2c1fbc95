//! The 8x8 handwritten digits shipped in `data/digits.txt` (1,797 samples; see
//! `data/README.md` for their source and licence).

use crate::SplitMix;

/// The file, compiled in so that examples and benchmarks run from any directory.
const DIGITS: &str = include_str!("../data/digits.txt");

/// One 8x8 image, pixels scaled from 0..16 to 0..1, row by row.
pub type Image = [f32; 64];

/// Images and their labels (0 to 9).
#[derive(Debug, Clone, Default)]
pub struct Digits {
    /// The images.
    pub images: Vec<Image>,
    /// The digit each image shows.
    pub labels: Vec<usize>,
}

/// Parses the shipped file: each line is a label, a space, and 64 pixels written as one
/// base-17 digit each (`0`-`9`, `a`-`g` for 10-16).
///
/// # Errors
///
/// A message naming the first malformed line.
pub fn load() -> Result<Digits, String> {
    parse(DIGITS)
}

fn parse(text: &str) -> Result<Digits, String> {
    let mut digits = Digits::default();
    for (number, line) in text.lines().enumerate() {
        let malformed = || format!("data/digits.txt line {}: malformed sample", number + 1);
        let (label, pixels) = line.split_once(' ').ok_or_else(malformed)?;
        let label: usize = label.parse().map_err(|_| malformed())?;
        if label > 9 || pixels.len() != 64 {
            return Err(malformed());
        }
        let mut image = [0.0; 64];
        for (pixel, symbol) in image.iter_mut().zip(pixels.chars()) {
            let value = symbol.to_digit(17).ok_or_else(malformed)?;
            *pixel = value as f32 / 16.0;
        }
        digits.images.push(image);
        digits.labels.push(label);
    }
    Ok(digits)
}

impl Digits {
    /// How many samples there are.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// A shuffled split into a training set and a test set holding `test_fraction` of the
    /// samples, the same for the same seed.
    pub fn split(&self, test_fraction: f64, seed: u64) -> (Digits, Digits) {
        let mut order: Vec<usize> = (0..self.len()).collect();
        SplitMix::new(seed).shuffle(&mut order);
        let test_len = (self.len() as f64 * test_fraction).round() as usize;
        let pick = |indices: &[usize]| Digits {
            images: indices.iter().map(|&i| self.images[i]).collect(),
            labels: indices.iter().map(|&i| self.labels[i]).collect(),
        };
        (pick(&order[test_len..]), pick(&order[..test_len]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_file_has_every_sample() {
        let digits = load().unwrap();
        assert_eq!(digits.len(), 1797);
        assert!(digits
            .images
            .iter()
            .flatten()
            .all(|p| (0.0..=1.0).contains(p)));
        for digit in 0..10 {
            let count = digits.labels.iter().filter(|&&l| l == digit).count();
            assert!((170..=190).contains(&count), "{count} samples of {digit}");
        }
        let (train, test) = digits.split(0.2, 1);
        assert_eq!((train.len(), test.len()), (1438, 359));
    }

    #[test]
    fn malformed_lines_are_errors() {
        assert_eq!(
            parse("3 00\n").unwrap_err(),
            "data/digits.txt line 1: malformed sample"
        );
        assert!(parse(&format!("x {}", "0".repeat(64))).is_err());
        assert!(parse(&format!("1 {}h", "0".repeat(63))).is_err());
        assert!(parse(&format!("1 {}", "g".repeat(64))).is_ok());
    }
}
