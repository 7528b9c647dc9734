//! Identifiers that stay one group's own however many groups there are.
//!
//! A real money-mule account, phone number, domain, mailbox or handle has
//! one holder: two unrelated offenders never name the same one by chance.
//! Drawn at random from the spaces of `ibans`, `phones` and `web`, they
//! do: at ten million reports (about five million groups) the chance
//! collisions of names made of two words, or of ING's seven-digit account
//! numbers, linked a third of a million groups into one component of
//! 888k reports (docs/performance.md, "Ten million reports: what breaks
//! the analysts' pages"). So past the first [`DRAWN_GROUPS`] groups, whose
//! identifiers are drawn as before (a data set with fewer groups, such as
//! those of the tests, the demo and 100,000 reports of seed 42, is byte
//! for byte as before), each identifier is made from its [`Serial`]: the
//! group's number and the identifier's place among the group's of its
//! kind, mapped one to one into the identifier's space.
//!
//! Two serial-made identifiers are never equal. A serial-made number can
//! still equal one drawn for one of the first groups, or a victim's own
//! or a relative's number, which are drawn from the same spaces (at ten
//! million reports some 8 % of the Dutch mobile numbers are serial-made,
//! by an estimate, so some thousands of the drawn ones meet one): real numbers
//! are reassigned too, and the linker must not join two groups through a
//! victim's relative anyway. Domains, mailboxes and handles carry a tag
//! that drawn ones never do.

/// The groups whose identifiers are drawn at random, as before serials.
pub(crate) const DRAWN_GROUPS: u32 = 50_000;

/// A multiplier (41 x 193,153) with no factor 2, 3, 5, 7, 17 or 113:
/// coprime to every space used here (products of those primes), so
/// multiplying by it permutes each space.
const MULTIPLIER: u64 = 7_919_273;

/// One identifier of one group among all groups' identifiers of its kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Serial(u64);

impl Serial {
    /// The serial of the `k`th identifier of a kind of group `group`, of
    /// which a group has at most `per_group`; none for the drawn groups.
    pub(crate) fn of(group: u32, k: usize, per_group: usize) -> Option<Serial> {
        let g = group.checked_sub(DRAWN_GROUPS)?;
        Some(Serial(u64::from(g) * per_group as u64 + k as u64))
    }

    /// A number below `space`, different for every serial below `space`
    /// (above it the numbers repeat: a space must hold every identifier of
    /// its kind, which `space` in the callers does up to some twelve
    /// million groups). Successive serials land far apart, as drawn
    /// numbers do.
    pub(crate) fn number(self, space: u64) -> u64 {
        let scrambled = u128::from(self.0) * u128::from(MULTIPLIER) % u128::from(space);
        (scrambled as u64 + space / 3) % space
    }

    /// `digits` decimal digits, zero-padded: [`Serial::number`] below
    /// 10^digits.
    pub(crate) fn digits(self, digits: u32) -> String {
        format!(
            "{:0width$}",
            self.number(10u64.pow(digits)),
            width = digits as usize
        )
    }

    /// Six lower-case letters and digits (36^6, two billion tags): what a
    /// registrant adds to a name that is taken, in domains, mailboxes and
    /// handles.
    pub(crate) fn tag(self) -> String {
        const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
        let mut n = self.number(36u64.pow(6));
        let mut tag = [0u8; 6];
        for c in tag.iter_mut().rev() {
            *c = ALPHABET[(n % 36) as usize];
            n /= 36;
        }
        String::from_utf8_lossy(&tag).into_owned()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn the_first_groups_have_no_serial_and_the_others_one_each() {
        assert_eq!(Serial::of(0, 0, 3), None);
        assert_eq!(Serial::of(DRAWN_GROUPS - 1, 2, 3), None);
        assert_eq!(Serial::of(DRAWN_GROUPS, 0, 3), Some(Serial(0)));
        assert_eq!(Serial::of(DRAWN_GROUPS + 1, 2, 3), Some(Serial(5)));
    }

    #[test]
    fn numbers_are_one_to_one_within_their_space() {
        for space in [
            1_000u64,
            5 * 10u64.pow(4),
            36u64.pow(3),
            17 * 1_000,
            9 * 1000,
        ] {
            let seen: HashSet<u64> = (0..space).map(|s| Serial(s).number(space)).collect();
            assert_eq!(seen.len() as u64, space, "space {space}");
            assert!(seen.iter().all(|&n| n < space));
        }
    }

    #[test]
    fn tags_and_digits_differ_for_different_serials() {
        let tags: HashSet<String> = (0..200_000).map(|s| Serial(s).tag()).collect();
        assert_eq!(tags.len(), 200_000);
        assert!(tags.iter().all(|t| t.len() == 6));
        let digits: HashSet<String> = (0..200_000).map(|s| Serial(s).digits(8)).collect();
        assert_eq!(digits.len(), 200_000);
        assert!(digits.iter().all(|d| d.len() == 8));
    }
}
