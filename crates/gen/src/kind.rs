//! The kinds of fraud groups commit: how often each occurs, which
//! identifiers it uses, the damage it does and the platforms its victims
//! name.

/// The modus operandi of a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FraudKind {
    Marketplace,
    BankHelpdesk,
    Phishing,
    FriendInNeed,
    Investment,
    Romance,
    Webshop,
    Invoice,
}

impl FraudKind {
    pub(crate) const ALL: [FraudKind; 8] = [
        FraudKind::Marketplace,
        FraudKind::BankHelpdesk,
        FraudKind::Phishing,
        FraudKind::FriendInNeed,
        FraudKind::Investment,
        FraudKind::Romance,
        FraudKind::Webshop,
        FraudKind::Invoice,
    ];
    /// Share of groups per kind, per mille, in the order of `ALL`.
    pub(crate) const WEIGHTS: [u32; 8] = [300, 140, 160, 130, 60, 45, 125, 40];

    pub(crate) fn name(self) -> &'static str {
        match self {
            FraudKind::Marketplace => "marketplace",
            FraudKind::BankHelpdesk => "bank_helpdesk",
            FraudKind::Phishing => "phishing",
            FraudKind::FriendInNeed => "friend_in_need",
            FraudKind::Investment => "investment",
            FraudKind::Romance => "romance",
            FraudKind::Webshop => "webshop",
            FraudKind::Invoice => "invoice",
        }
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }

    /// Per report: how likely each kind of offender identifier is named,
    /// as (iban, phone, url, email, handle, crypto).
    pub(crate) fn usage(self) -> [f64; 6] {
        match self {
            FraudKind::Marketplace => [0.85, 0.35, 0.04, 0.05, 0.15, 0.0],
            FraudKind::BankHelpdesk => [0.80, 0.35, 0.08, 0.0, 0.0, 0.03],
            FraudKind::Phishing => [0.30, 0.20, 0.85, 0.10, 0.0, 0.0],
            FraudKind::FriendInNeed => [0.70, 0.90, 0.0, 0.0, 0.0, 0.0],
            FraudKind::Investment => [0.35, 0.30, 0.60, 0.20, 0.30, 0.55],
            FraudKind::Romance => [0.40, 0.25, 0.0, 0.25, 0.60, 0.30],
            FraudKind::Webshop => [0.60, 0.10, 0.90, 0.30, 0.05, 0.0],
            FraudKind::Invoice => [0.85, 0.20, 0.40, 0.70, 0.0, 0.0],
        }
    }

    /// Median damage in euros and the spread of its logarithm.
    pub(crate) fn damage(self) -> (f64, f64) {
        match self {
            FraudKind::Marketplace => (150.0, 0.9),
            FraudKind::BankHelpdesk => (4000.0, 1.0),
            FraudKind::Phishing => (900.0, 1.1),
            FraudKind::FriendInNeed => (1200.0, 0.7),
            FraudKind::Investment => (8000.0, 1.2),
            FraudKind::Romance => (6000.0, 1.2),
            FraudKind::Webshop => (120.0, 0.8),
            FraudKind::Invoice => (2500.0, 1.0),
        }
    }

    /// Platforms this kind of group keeps accounts on.
    pub(crate) fn handle_platforms(self) -> &'static [&'static str] {
        match self {
            FraudKind::Marketplace => &["marktplaats", "vinted", "facebook", "instagram"],
            FraudKind::Investment => &["telegram", "instagram", "signal", "telegram"],
            FraudKind::Romance => &["instagram", "snapchat", "facebook", "tinder", "telegram"],
            _ => &["instagram", "tiktok", "telegram"],
        }
    }

    /// Allowlist categories (or exact domains) victims of this kind mention.
    pub(crate) fn platform_mentions(self) -> &'static [&'static str] {
        match self {
            FraudKind::Marketplace => &[
                "=marktplaats.nl",
                "=marktplaats.nl",
                "=tikkie.me",
                "=vinted.nl",
                "=facebook.com",
                "payment",
                "platform",
            ],
            FraudKind::BankHelpdesk => &["=anydesk.com", "remote_access", "bank", "=google.com"],
            FraudKind::Phishing => &["shortener", "shortener", "government", "bank", "company"],
            FraudKind::FriendInNeed => &["=whatsapp.com", "=tikkie.me", "payment"],
            FraudKind::Investment => &[
                "=youtube.com",
                "=facebook.com",
                "=bitvavo.com",
                "=instagram.com",
                "remote_access",
                "payment",
            ],
            FraudKind::Romance => &["=instagram.com", "platform", "payment"],
            FraudKind::Webshop => &["=instagram.com", "=facebook.com", "platform", "=paypal.com"],
            FraudKind::Invoice => &["company", "freemail", "government"],
        }
    }
}
