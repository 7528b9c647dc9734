//! The words the generator writes with: regional units, basisteams and
//! municipalities, names, products, brands, and the Dutch sentence
//! templates of victims' statements.
//!
//! Templates hold placeholders in braces (`{IBAN}`, `{AMOUNT}`) that the
//! generator fills in; every other character is written as it stands,
//! including the misspellings, which are there on purpose.

mod sentences;
mod units;
mod words;

pub(crate) use sentences::*;
pub(crate) use units::*;
pub(crate) use words::*;
