//! The web UI through `server::app(..).oneshot(..)`: every page and every
//! role (signed out, refused, allowed), sessions, CSRF, escaping of report
//! text, the access log.

use std::collections::HashMap;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use fraudlink::api::{ApiConfig, AppState};
use fraudlink::auth::Role;
use fraudlink::engine::Engine;
use http_body_util::BodyExt;
use tower::ServiceExt;

use crate::support::{TestApp, fixture_engine, linking_iban, utrecht_report};

struct Ui {
    _app: TestApp,
    engine: Engine,
    router: Router,
    tokens: HashMap<&'static str, String>,
}

/// A page as answered.
struct Page {
    status: StatusCode,
    location: String,
    set_cookie: String,
    content_type: String,
    csp: String,
    body: String,
}

/// A signed-in browser: its cookie and the CSRF token of its session.
#[derive(Clone)]
struct Session {
    cookie: String,
    csrf: String,
}

impl Ui {
    /// The fixtures loaded and a token per role (intake: Heerlen).
    fn new() -> Ui {
        let app = TestApp::new();
        let engine = fixture_engine(&app);
        let mut tokens = HashMap::new();
        for (name, role, team) in [
            ("intake", Role::Intake, Some("Heerlen")),
            ("analyst", Role::Analyst, None),
            ("coordinator", Role::Coordinator, None),
            ("admin", Role::Admin, None),
        ] {
            tokens.insert(name, engine.create_token(role, team, name, None).unwrap().1);
        }
        let router = fraudlink::server::app(AppState::new(engine.clone()), &ApiConfig::default());
        Ui {
            _app: app,
            engine,
            router,
            tokens,
        }
    }

    async fn send(&self, req: Request<Body>) -> Page {
        let res = self.router.clone().oneshot(req).await.unwrap();
        let h = |name| {
            res.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned()
        };
        let (location, set_cookie, content_type) = (
            h(header::LOCATION),
            h(header::SET_COOKIE),
            h(header::CONTENT_TYPE),
        );
        let csp = h(header::CONTENT_SECURITY_POLICY);
        let status = res.status();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        Page {
            status,
            location,
            set_cookie,
            content_type,
            csp,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    async fn get(&self, path: &str, who: Option<&Session>) -> Page {
        self.get_with(path, who, &[]).await
    }

    /// A GET with more headers (a language, a cookie of the browser's).
    async fn get_with(
        &self,
        path: &str,
        who: Option<&Session>,
        headers: &[(header::HeaderName, &str)],
    ) -> Page {
        let mut req = Request::builder().uri(path);
        let mut cookies: Vec<&str> = Vec::new();
        if let Some(s) = who {
            cookies.push(&s.cookie);
        }
        for (name, value) in headers {
            if *name == header::COOKIE {
                cookies.push(value);
            } else {
                req = req.header(name, *value);
            }
        }
        if !cookies.is_empty() {
            req = req.header(header::COOKIE, cookies.join("; "));
        }
        self.send(req.body(Body::empty()).unwrap()).await
    }

    async fn post(&self, path: &str, who: Option<&Session>, form: &[(&str, &str)]) -> Page {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        let mut req = Request::builder()
            .method("POST")
            .uri(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(s) = who {
            req = req.header(header::COOKIE, &s.cookie);
        }
        self.send(req.body(Body::from(body)).unwrap()).await
    }

    /// Signs in with a role's token and reads the CSRF token off a page.
    async fn sign_in(&self, role: &str) -> Session {
        let token = self.tokens[role].clone();
        let p = self
            .post(
                "/login",
                None,
                &[
                    ("token", &token),
                    ("next", "/check"),
                    ("purpose", UI_PURPOSE),
                ],
            )
            .await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
        assert_eq!(p.location, "/check");
        let cookie = p.set_cookie.split(';').next().unwrap().to_owned();
        let mut s = Session {
            cookie,
            csrf: String::new(),
        };
        let page = self.get("/check", Some(&s)).await;
        s.csrf = csrf_of(&page.body);
        assert_eq!(s.csrf.len(), 64);
        s
    }

    fn cluster_of(&self, report: &str) -> String {
        self.engine
            .state()
            .cluster_of(&fraudlink::report::ReportId::parse(report).unwrap())
            .unwrap()
            .to_string()
    }

    fn audit(&self, action: &str) -> Vec<fraudlink::store::AccessRecord> {
        self.engine
            .audit(&fraudlink::store::AuditFilter {
                token_id: None,
                action: Some(action.to_owned()),
                target: None,
                since: None,
                limit: 1000,
            })
            .unwrap()
    }
}

/// The purpose the test sessions give at sign-in.
const UI_PURPOSE: &str = "ui test <zaak 7>";

/// Sets a cluster's status and team as a coordinator named "test" would.
fn triage(engine: &Engine, id: &str, status: Option<&str>, team: Option<&str>) {
    let change = fraudlink::engine::TriageChange {
        status: status.map(str::to_owned),
        assigned_team: team.map(|t| Some(t.to_owned())),
        note: None,
    };
    engine.set_triage(id, change, "test").unwrap();
}

fn csrf_of(html: &str) -> String {
    let at = html
        .find(r#"name="csrf" value=""#)
        .expect("a form with a CSRF token");
    html[at + r#"name="csrf" value=""#.len()..]
        .chars()
        .take_while(|c| c.is_ascii_hexdigit())
        .collect()
}

#[tokio::test]
async fn every_page_sends_a_signed_out_browser_to_sign_in() {
    let ui = Ui::new();
    let cluster = ui.cluster_of("2026-AMS-000101");
    for path in [
        "/".to_owned(),
        format!("/clusters/{cluster}"),
        format!("/clusters/{cluster}/download?format=csv"),
        "/reports/2026-AMS-000101".into(),
        "/search?q=rekening".into(),
        "/check".into(),
        "/explain?a=2026-AMS-000101&b=2026-RTM-000233".into(),
        "/suggestions".into(),
        "/admin".into(),
    ] {
        let p = ui.get(&path, None).await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "{path}");
        assert!(
            p.location.starts_with("/login?next=%2F"),
            "{path}: {}",
            p.location
        );
    }
    for path in ["/check", "/links", "/logout", "/admin/tokens"] {
        let p = ui.post(path, None, &[("csrf", "x")]).await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "POST {path}");
        assert!(p.location.starts_with("/login"), "POST {path}");
    }
    let p = ui.get("/login", None).await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.body.contains(r#"name="token""#));
    // A bogus cookie is no session.
    let fake = Session {
        cookie: "fl_session=0123".into(),
        csrf: String::new(),
    };
    assert_eq!(
        ui.get("/check", Some(&fake)).await.status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn a_sign_in_of_megabytes_is_refused_unread_and_a_long_statement_is_still_checked() {
    let ui = Ui::new();
    // As a browser or curl sends it: with its length.
    let huge = format!("token={}", "a".repeat(4 << 20));
    let req = Request::builder()
        .method("POST")
        .uri("/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::CONTENT_LENGTH, huge.len())
        .body(Body::from(huge))
        .unwrap();
    let p = ui.send(req).await;
    assert_eq!(p.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", p.body);
    assert!(p.set_cookie.is_empty());
    // Also when it does not say its length.
    let p = ui
        .post("/login", None, &[("token", &"a".repeat(1 << 20))])
        .await;
    assert!(
        matches!(
            p.status,
            StatusCode::PAYLOAD_TOO_LARGE | StatusCode::BAD_REQUEST
        ),
        "{}",
        p.status
    );
    assert!(p.set_cookie.is_empty());

    // The check form takes a statement longer than any other form.
    let s = ui.sign_in("intake").await;
    // Dutch text with its accents and signs, percent-encoded by the
    // browser: within the statement limit, beyond the other forms'.
    let statement = format!(
        "{} Ik maakte het geld over naar NL42 INGB 0006 1234 56.",
        "Hij zei: “één betaling van € 450 – dan is de fiets geïmporteerd”. ".repeat(2_500)
    );
    let encoded = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("narrative", &statement)
        .finish();
    assert!(statement.len() <= 200_000 && encoded.len() > fraudlink::ui::FORM_BYTES);
    let p = ui
        .post(
            "/check",
            Some(&s),
            &[("csrf", &s.csrf), ("narrative", &statement)],
        )
        .await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    assert!(
        p.body.contains("NL42INGB0006123456"),
        "the IBAN was checked"
    );
}

#[tokio::test]
async fn sign_in_sets_a_strict_http_only_cookie_and_refuses_bad_tokens() {
    let ui = Ui::new();
    let p = ui
        .post("/login", None, &[("token", "fl_000"), ("next", "/")])
        .await;
    assert_eq!(p.status, StatusCode::UNAUTHORIZED);
    assert!(p.body.contains("niet geldig"));
    assert!(p.set_cookie.is_empty());
    // Refusals are counted and written once a second, apart from the
    // answer.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let logged = loop {
        let rows = ui.audit("ui_sign_in");
        if !rows.is_empty() || std::time::Instant::now() > deadline {
            break rows;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert_eq!(logged.len(), 1, "failed sign-ins are logged");
    assert_eq!(logged[0].outcome, "denied");
    assert_eq!(logged[0].targets["refused"], 1);

    let token = ui.tokens["analyst"].clone();
    let p = ui
        .post(
            "/login",
            None,
            &[("token", &token), ("next", "//evil.example")],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    assert_eq!(p.location, "/", "no open redirect");
    for part in ["fl_session=", "HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(p.set_cookie.contains(part), "{part} in {}", p.set_cookie);
    }
    assert!(
        !p.set_cookie.contains(&token),
        "the token is not the cookie"
    );

    let s = ui.sign_in("analyst").await;
    assert_eq!(ui.get("/", Some(&s)).await.status, StatusCode::OK);
    // Signing out needs the CSRF token, then ends the session.
    let p = ui.post("/logout", Some(&s), &[("csrf", "nope")]).await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    let p = ui.post("/logout", Some(&s), &[("csrf", &s.csrf)]).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    assert!(p.set_cookie.contains("Max-Age=0"));
    assert_eq!(ui.get("/", Some(&s)).await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_revoked_token_ends_its_sessions() {
    let ui = Ui::new();
    let s = ui.sign_in("analyst").await;
    let id = ui
        .engine
        .tokens()
        .unwrap()
        .into_iter()
        .find(|t| t.label == "analyst")
        .unwrap()
        .id;
    assert!(ui.engine.revoke_token(id).unwrap());
    // Sessions re-check their token once a minute; a fresh sign-in is
    // refused at once.
    let token = ui.tokens["analyst"].clone();
    let p = ui.post("/login", None, &[("token", &token)]).await;
    assert_eq!(p.status, StatusCode::UNAUTHORIZED);
    assert_eq!(ui.get("/", Some(&s)).await.status, StatusCode::OK);
}

#[tokio::test]
async fn the_dashboard_ranks_clusters_and_shows_the_flow() {
    let ui = Ui::new();
    let cluster = ui.cluster_of("2026-AMS-000101");
    for role in ["analyst", "coordinator", "admin"] {
        let s = ui.sign_in(role).await;
        let p = ui.get("/", Some(&s)).await;
        assert_eq!(p.status, StatusCode::OK, "{role}");
        assert!(p.content_type.starts_with("text/html"));
        for part in [
            "Clusters op prioriteit",
            &cluster,
            "Nieuw deze week",
            "Snelst groeiend",
            "Stroom per week",
            "per status",
            "doorlooptijd",
            "Amsterdam",
        ] {
            assert!(
                p.body.to_lowercase().contains(&part.to_lowercase()),
                "{role}: {part}"
            );
        }
    }
    let s = ui.sign_in("analyst").await;
    // Filters: a unit the cluster reaches keeps it, a status it lacks drops it.
    let p = ui.get("/?unit=Rotterdam&min_size=2", Some(&s)).await;
    assert!(p.body.contains(&cluster));
    let p = ui.get("/?status=closed", Some(&s)).await;
    assert!(!p.body.contains(&format!("/clusters/{cluster}\"")));
    let p = ui.get("/?min_size=lots", Some(&s)).await;
    assert_eq!(p.status, StatusCode::BAD_REQUEST);
    let p = ui.get("/?page=999", Some(&s)).await;
    assert_eq!(p.status, StatusCode::OK);
    // Intake officers have no dashboard: they go to their check page.
    let s = ui.sign_in("intake").await;
    let p = ui.get("/", Some(&s)).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    assert_eq!(p.location, "/check");
    assert!(!ui.audit("list_clusters").is_empty(), "the list is logged");
}

#[tokio::test]
async fn the_cluster_page_shows_graph_identifiers_suggestions_and_history() {
    let ui = Ui::new();
    let cluster = ui.cluster_of("2026-AMS-000101");
    let s = ui.sign_in("analyst").await;
    let p = ui.get(&format!("/clusters/{cluster}"), Some(&s)).await;
    assert_eq!(p.status, StatusCode::OK);
    for part in [
        r#"id="cluster-graph""#,
        r#"<a href="/reports/2026-AMS-000101">"#,
        "NL42INGB0006123456",
        "aanknopingspunt",
        "Waarom deze prioriteit",
        // The graph's tooltips are Dutch too (issue 22), identifiers
        // included.
        "in dit cluster, koppelt",
        "IBAN NL42INGB0006123456: ",
        r#"id="timeline""#,
        "Rotterdam",
        "/download?format=gexf",
        "Geschiedenis",
    ] {
        assert!(p.body.contains(part), "{part}");
    }
    assert!(
        !p.body.contains("/triage\""),
        "an analyst gets no triage form"
    );
    let s = ui.sign_in("coordinator").await;
    let p = ui.get(&format!("/clusters/{cluster}"), Some(&s)).await;
    assert!(
        p.body
            .contains(&format!("action=\"/clusters/{cluster}/triage\""))
    );
    // Unknown ids are a page of their own.
    let p = ui.get("/clusters/C-nothere", Some(&s)).await;
    assert_eq!(p.status, StatusCode::NOT_FOUND);
    assert!(p.body.contains("Niet gevonden"));
    // Intake officers see the summary only, of a cluster their check
    // matched, and it is logged as such.
    let s = ui.sign_in("intake").await;
    let p = ui
        .post(
            "/check",
            Some(&s),
            &[("csrf", &s.csrf), ("identifiers", "NL42 INGB 0006 1234 56")],
        )
        .await;
    assert!(p.body.contains(&format!("hoort bij cluster {cluster}")));
    let p = ui.get(&format!("/clusters/{cluster}"), Some(&s)).await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(!p.body.contains("cluster-graph"));
    assert!(!p.body.contains("NL42INGB0006123456"));
    assert!(!ui.audit("cluster_summary").is_empty());
}

// See: issue 19
#[tokio::test]
async fn issue_19_intake_sees_in_the_ui_the_apis_summary_of_a_cluster_it_matched_only() {
    let ui = Ui::new();
    let cluster = ui.cluster_of("2026-AMS-000101");
    let other = ui.cluster_of("2026-MN-000201");
    let s = ui.sign_in("intake").await;
    for id in [cluster.as_str(), other.as_str(), "C-nothere"] {
        let p = ui.get(&format!("/clusters/{id}"), Some(&s)).await;
        assert_eq!(p.status, StatusCode::FORBIDDEN, "{id} before a check");
    }
    let p = ui
        .post(
            "/check",
            Some(&s),
            &[("csrf", &s.csrf), ("identifiers", "NL42 INGB 0006 1234 56")],
        )
        .await;
    assert!(p.body.contains(&format!("hoort bij cluster {cluster}")));
    let p = ui.get(&format!("/clusters/{cluster}"), Some(&s)).await;
    assert_eq!(p.status, StatusCode::OK);
    // The API's intake summary: size, units, status, assignment, score.
    let c = ui.engine.state();
    let c = c
        .cluster(&fraudlink::cluster::ClusterId::new(cluster.clone()))
        .unwrap()
        .clone();
    assert!(p.body.contains(&format!("<dd>{}</dd>", c.size)));
    assert!(p.body.contains(&format!("<dd>{}</dd>", c.units.len())));
    for more in [
        "Teams",
        "Slachtoffers",
        "Schade",
        "Eerste / laatste",
        "Soorten fraude",
        "€",
    ] {
        assert!(!p.body.contains(more), "{more} is not for intake");
    }
    // (The officer's own team is in the page's frame.)
    for team in c.teams.iter().filter(|t| ***t != *"Heerlen") {
        assert!(!p.body.contains(&**team), "team {team} shown");
    }
    let p = ui.get(&format!("/clusters/{other}"), Some(&s)).await;
    assert_eq!(p.status, StatusCode::FORBIDDEN, "not matched by this check");
}

// See: issue 19
#[tokio::test]
async fn issue_19_sign_in_goes_back_only_to_this_site_and_never_fails() {
    let ui = Ui::new();
    let token = ui.tokens["analyst"].clone();
    for (next, location) in [
        ("/\t/evil.example", "/"),
        ("/\n/evil.example", "/"),
        ("/\\evil.example", "/"),
        ("\t//evil.example", "/"),
        (
            "/clusters/C-1\r\nSet-Cookie: fl_session=x",
            "/clusters/C-1Set-Cookie:%20fl_session=x",
        ),
        ("/search?q=nieuwe pas", "/search?q=nieuwe%20pas"),
    ] {
        let p = ui
            .post("/login", None, &[("token", &token), ("next", next)])
            .await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "{next:?}: {}", p.body);
        assert_eq!(p.location, location, "{next:?}");
        assert!(p.set_cookie.starts_with("fl_session="), "{next:?}");
    }
    // The page that carries `next` into the form says the same.
    let p = ui.get("/login?next=%2F%09%2Fevil.example", None).await;
    assert!(!p.body.contains("evil.example"), "{}", p.body);
}

// See: issue 19
#[tokio::test]
async fn issue_19_the_session_cookie_is_secure_behind_https_and_pages_send_no_referrer() {
    let ui = Ui::new();
    let token = ui.tokens["analyst"].clone();
    let p = ui
        .post("/login", None, &[("token", &token), ("next", "/")])
        .await;
    assert!(
        !p.set_cookie.contains("Secure"),
        "plain http: {}",
        p.set_cookie
    );
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs([("token", token.as_str()), ("next", "/")])
        .finish();
    let req = Request::builder()
        .method("POST")
        .uri("/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header("x-forwarded-proto", "https")
        .body(Body::from(body))
        .unwrap();
    let res = ui.router.clone().oneshot(req).await.unwrap();
    let cookie = res.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cookie.ends_with("; Secure"), "{cookie}");
    // Pages, redirects, errors and static files alike.
    let s = ui.sign_in("analyst").await;
    for (path, who) in [
        ("/", Some(&s)),
        ("/clusters/C-nothere", Some(&s)),
        ("/", None),
        ("/login", None),
        ("/static/style.css", None),
    ] {
        let mut req = Request::builder().uri(path);
        if let Some(s) = who {
            req = req.header(header::COOKIE, &s.cookie);
        }
        let res = ui
            .router
            .clone()
            .oneshot(req.body(Body::empty()).unwrap())
            .await
            .unwrap();
        let h = |name: &str| {
            res.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned()
        };
        assert_eq!(h("x-content-type-options"), "nosniff", "{path}");
        assert_eq!(h("referrer-policy"), "no-referrer", "{path}");
        assert_eq!(h("x-frame-options"), "DENY", "{path}");
        assert!(
            h("content-security-policy").contains("frame-ancestors 'none'"),
            "{path}"
        );
    }
}

#[tokio::test]
async fn suggestions_are_confirmed_with_csrf_and_merged_ids_redirect() {
    let ui = Ui::new();
    let s = ui.sign_in("analyst").await;
    let state = ui.engine.state();
    let sugg = state
        .suggestions(usize::MAX)
        .into_iter()
        .find(|x| {
            !x.a_clusters.is_empty() && !x.b_clusters.is_empty() && x.a_clusters != x.b_clusters
        })
        .expect("the fixtures have a suggestion between two clusters");
    drop(state);
    let (ca, cb) = (
        sugg.a_clusters[0].to_string(),
        sugg.b_clusters[0].to_string(),
    );
    let a = format!("{}:{}", sugg.suggestion.a.kind, sugg.suggestion.a.value);
    let b = format!("{}:{}", sugg.suggestion.b.kind, sugg.suggestion.b.value);
    let p = ui.get(&format!("/clusters/{ca}"), Some(&s)).await;
    assert!(p.body.contains("value=\"confirm\""), "confirm button");
    assert!(p.body.contains("class=\"suggested\"><line"), "drawn dashed");
    let form = |csrf: &str| {
        vec![
            ("csrf", csrf.to_owned()),
            ("a", a.clone()),
            ("b", b.clone()),
            ("decision", "confirm".to_owned()),
            ("cluster", ca.clone()),
        ]
    };
    let f = form("");
    let pairs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let p = ui.post("/links", Some(&s), &pairs).await;
    assert_eq!(p.status, StatusCode::FORBIDDEN, "no CSRF token");
    let intake = ui.sign_in("intake").await;
    let f = form(&intake.csrf);
    let pairs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let p = ui.post("/links", Some(&intake), &pairs).await;
    assert_eq!(p.status, StatusCode::FORBIDDEN, "intake may not decide");
    let f = form(&s.csrf);
    let pairs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let p = ui.post("/links", Some(&s), &pairs).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    assert!(p.location.starts_with(&format!("/clusters/{ca}")));
    // The two clusters are one now; the id that went redirects to the other.
    let state = ui.engine.state();
    let live_a = state.cluster(&fraudlink::cluster::ClusterId::new(ca.clone()));
    let (gone, kept) = if live_a.is_some() { (cb, ca) } else { (ca, cb) };
    drop(state);
    let p = ui.get(&format!("/clusters/{gone}"), Some(&s)).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    assert_eq!(p.location, format!("/clusters/{kept}"));
}

#[tokio::test]
async fn triage_needs_a_coordinator_and_a_csrf_token() {
    let ui = Ui::new();
    let cluster = ui.cluster_of("2026-AMS-000101");
    let path = format!("/clusters/{cluster}/triage");
    let analyst = ui.sign_in("analyst").await;
    let p = ui
        .post(
            &path,
            Some(&analyst),
            &[("csrf", &analyst.csrf), ("status", "assigned")],
        )
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    let s = ui.sign_in("coordinator").await;
    let p = ui.post(&path, Some(&s), &[("status", "assigned")]).await;
    assert_eq!(p.status, StatusCode::FORBIDDEN, "no CSRF token");
    let p = ui
        .post(
            &path,
            Some(&s),
            &[("csrf", &analyst.csrf), ("status", "assigned")],
        )
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN, "another session's token");
    let p = ui
        .post(&path, Some(&s), &[("csrf", &s.csrf), ("status", "bogus")])
        .await;
    assert_eq!(p.status, StatusCode::BAD_REQUEST);
    let p = ui
        .post(
            &path,
            Some(&s),
            &[
                ("csrf", &s.csrf),
                ("status", "assigned"),
                ("assigned_team", "Peelland"),
                ("note", "<b>bank data request</b> sent"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    let t = ui
        .engine
        .triage(&fraudlink::cluster::ClusterId::new(cluster.clone()));
    assert_eq!(t.status, "assigned");
    assert_eq!(t.assigned_team.as_deref(), Some("Peelland"));
    let p = ui.get(&format!("/clusters/{cluster}"), Some(&s)).await;
    assert!(
        p.body.contains("&#60;b&#62;bank data request&#60;/b&#62;"),
        "notes are escaped"
    );
    assert!(p.body.contains("Peelland"));
    // The flow page counts it as assigned, with a lead time.
    let p = ui.get("/flow", Some(&s)).await;
    assert!(p.body.contains("Peelland"), "lead times per team");
}

#[tokio::test]
async fn report_pages_mark_identifiers_escape_text_and_follow_teams() {
    let ui = Ui::new();
    let s = ui.sign_in("analyst").await;
    let p = ui.get("/reports/2026-AMS-000101", Some(&s)).await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(
        p.body.contains(r#"data-kind="iban""#),
        "identifiers are marked"
    );
    assert!(p.body.contains("NL42 INGB 0006 1234 56</mark>"));
    assert!(
        p.body.contains("m-victim"),
        "the victim's own IBAN is marked apart"
    );
    assert!(p.body.contains("Vergelijkbare aangiftes"));
    // The statement with a script tag shows it as text.
    let p = ui.get("/reports/2026-AMS-000777", Some(&s)).await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(
        p.body
            .contains("&#60;script&#62;alert(&#39;xss&#39;)&#60;/script&#62;"),
        "escaped"
    );
    assert!(!p.body.contains("<script>alert"), "never raw");
    let p = ui.get("/reports/2026-XXX-000000", Some(&s)).await;
    assert_eq!(p.status, StatusCode::NOT_FOUND);
    // Intake: own team (Heerlen) only.
    let s = ui.sign_in("intake").await;
    let p = ui.get("/reports/2026-LIM-000045", Some(&s)).await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(
        !p.body.contains("Vergelijkbare aangiftes"),
        "intake may not search"
    );
    let p = ui.get("/reports/2026-AMS-000101", Some(&s)).await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    let reads = ui.audit("read_report");
    assert!(reads.iter().any(|r| r.outcome == "denied"));
    assert!(reads.iter().filter(|r| r.outcome == "ok").count() >= 3);
}

#[tokio::test]
async fn search_highlights_and_escapes_and_is_for_analysts() {
    let ui = Ui::new();
    let s = ui.sign_in("analyst").await;
    let p = ui.get("/search", Some(&s)).await;
    assert_eq!(p.status, StatusCode::OK);
    let p = ui.get("/search?q=politie", Some(&s)).await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.body.contains("2026-AMS-000777"), "{}", p.body);
    assert!(p.body.contains("<b>"), "highlighted");
    assert!(p.body.contains("&lt;script&gt;"), "the script tag is text");
    assert!(!p.body.contains("<script>alert"), "never raw");
    let p = ui
        .get("/search?q=rekening&sort=date&from=2026-01-01", Some(&s))
        .await;
    assert_eq!(p.status, StatusCode::OK);
    let p = ui.get("/search?q=rekening&from=gisteren", Some(&s)).await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(
        p.body.contains("class=\"error\""),
        "a bad date is explained"
    );
    assert!(!ui.audit("search").is_empty());
    let s = ui.sign_in("intake").await;
    let p = ui.get("/search?q=politie", Some(&s)).await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn check_answers_every_role_and_needs_csrf() {
    let ui = Ui::new();
    let cluster = ui.cluster_of("2026-AMS-000101");
    for role in ["intake", "analyst", "coordinator", "admin"] {
        let s = ui.sign_in(role).await;
        let p = ui
            .post(
                "/check",
                Some(&s),
                &[(
                    "narrative",
                    "Ik moest geld overmaken naar NL42 INGB 0006 1234 56.",
                )],
            )
            .await;
        assert_eq!(p.status, StatusCode::FORBIDDEN, "{role}: no CSRF token");
        let p = ui
            .post(
                "/check",
                Some(&s),
                &[
                    ("csrf", &s.csrf),
                    (
                        "narrative",
                        "Ik moest geld overmaken naar NL42 INGB 0006 1234 56.",
                    ),
                ],
            )
            .await;
        assert_eq!(p.status, StatusCode::OK, "{role}");
        assert!(
            p.body.contains(&format!("hoort bij cluster {cluster}")),
            "{role}"
        );
        // Typed identifiers alone work too.
        let p = ui
            .post(
                "/check",
                Some(&s),
                &[("csrf", &s.csrf), ("identifiers", "+31 6 4281 9937")],
            )
            .await;
        assert!(p.body.contains("hoort bij cluster"), "{role}: typed number");
    }
    let s = ui.sign_in("intake").await;
    let p = ui
        .post(
            "/check",
            Some(&s),
            &[
                ("csrf", &s.csrf),
                ("narrative", "Niets bijzonders <script>x</script>"),
            ],
        )
        .await;
    assert!(p.body.contains("Geen bekend cluster gevonden."));
    assert!(
        p.body.contains("&#60;script&#62;x&#60;/script&#62;"),
        "echoed escaped"
    );
    let p = ui.post("/check", Some(&s), &[("csrf", &s.csrf)]).await;
    assert!(p.body.contains("Plak een verklaring"));
}

#[tokio::test]
async fn explain_draws_the_chain_for_analysts() {
    let ui = Ui::new();
    let s = ui.sign_in("analyst").await;
    let p = ui.get("/explain", Some(&s)).await;
    assert_eq!(p.status, StatusCode::OK);
    let p = ui
        .get("/explain?a=2026-AMS-000101&b=2026-RTM-000233", Some(&s))
        .await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.body.contains("Verbonden"), "{}", p.body);
    assert!(p.body.contains(r#"id="chain""#));
    assert!(p.body.contains("<code>IBAN NL42INGB0006123456</code>"));
    let p = ui
        .get("/explain?a=2026-AMS-000101&b=NOPE-1", Some(&s))
        .await;
    assert_eq!(p.status, StatusCode::OK);
    // The error names the id that is not known (issue 22).
    assert!(
        p.body.contains("Aangifte NOPE-1 is niet bekend"),
        "{}",
        p.body
    );
    assert!(!ui.audit("explain").is_empty());
    let s = ui.sign_in("intake").await;
    let p = ui
        .get("/explain?a=2026-AMS-000101&b=2026-RTM-000233", Some(&s))
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn downloads_reuse_the_api_exports_for_analysts() {
    let ui = Ui::new();
    let cluster = ui.cluster_of("2026-AMS-000101");
    let s = ui.sign_in("analyst").await;
    for (format, mime) in [
        ("csv", "text/csv"),
        ("gexf", "application/gexf+xml"),
        ("graphml", "application/graphml+xml"),
    ] {
        let p = ui
            .get(
                &format!("/clusters/{cluster}/download?format={format}"),
                Some(&s),
            )
            .await;
        assert_eq!(p.status, StatusCode::OK, "{format}");
        assert!(p.content_type.starts_with(mime), "{format}");
        assert!(p.body.contains("2026-AMS-000101"), "{format}");
    }
    let p = ui
        .get(
            &format!("/clusters/{cluster}/download?format=pdf"),
            Some(&s),
        )
        .await;
    assert_eq!(p.status, StatusCode::BAD_REQUEST);
    let s = ui.sign_in("intake").await;
    let p = ui
        .get(
            &format!("/clusters/{cluster}/download?format=csv"),
            Some(&s),
        )
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn assets_are_served_from_the_binary_and_the_api_still_answers() {
    let ui = Ui::new();
    for (path, mime) in [
        ("/static/style.css", "text/css"),
        ("/static/graph.js", "text/javascript"),
        ("/static/icon.svg", "image/svg+xml"),
    ] {
        let p = ui.get(path, None).await;
        assert_eq!(p.status, StatusCode::OK, "{path}");
        assert!(p.content_type.starts_with(mime), "{path}");
    }
    assert_eq!(
        ui.get("/static/nope.js", None).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(ui.get("/api/v1/healthz", None).await.status, StatusCode::OK);
    let p = ui.get("/api/v1/clusters", None).await;
    assert_eq!(
        p.status,
        StatusCode::UNAUTHORIZED,
        "the API wants its token"
    );
    // Pages carry a content security policy that forbids inline scripts.
    let s = ui.sign_in("analyst").await;
    let p = ui.get("/", Some(&s)).await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.csp.contains("script-src 'self'"), "{}", p.csp);
    assert!(!p.body.contains("<script>"), "no inline scripts");
}

// See: issue 19 (finding 4). UI rows had no purpose (always null) and a
// refused page was not logged.
#[tokio::test]
async fn issue_19_ui_reads_carry_the_sessions_purpose_and_refusals_are_logged() {
    let ui = Ui::new();
    // The sign-in form asks for the purpose.
    let p = ui.get("/login", None).await;
    assert!(p.body.contains(r#"name="purpose""#), "{}", p.body);
    // Signed in without one, the first page with report data asks for it
    // and comes back.
    let token = ui.tokens["analyst"].clone();
    let p = ui.post("/login", None, &[("token", &token)]).await;
    let cookie = p.set_cookie.split(';').next().unwrap().to_owned();
    let mut s = Session {
        cookie,
        csrf: String::new(),
    };
    let p = ui.get("/reports/2026-AMS-000101", Some(&s)).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    assert_eq!(p.location, "/purpose?next=%2Freports%2F2026-AMS-000101");
    assert!(ui.audit("read_report").is_empty(), "nothing shown yet");
    let p = ui.get(&p.location, Some(&s)).await;
    assert_eq!(p.status, StatusCode::OK);
    s.csrf = csrf_of(&p.body);
    let blank = [("csrf", s.csrf.as_str()), ("purpose", "  "), ("next", "/")];
    let p = ui.post("/purpose", Some(&s), &blank).await;
    assert_eq!(p.status, StatusCode::BAD_REQUEST);
    let form = [
        ("csrf", s.csrf.as_str()),
        ("purpose", "zaak 2026-88"),
        ("next", "/reports/2026-AMS-000101"),
    ];
    let p = ui.post("/purpose", Some(&s), &form).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    assert_eq!(p.location, "/reports/2026-AMS-000101");
    let p = ui.get("/reports/2026-AMS-000101", Some(&s)).await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.body.contains("doel: zaak 2026-88"), "shown in the frame");
    let row = &ui.audit("read_report")[0];
    assert_eq!(row.reason.as_deref(), Some("zaak 2026-88"));
    assert_eq!(row.actor.as_deref(), Some("analyst#2 (analyst)"));
    // Changed, it goes into the rows after.
    let form = [("csrf", s.csrf.as_str()), ("purpose", "zaak 2026-89")];
    ui.post("/purpose", Some(&s), &form).await;
    let p = ui.get("/search?q=rekening", Some(&s)).await;
    assert_eq!(p.status, StatusCode::OK);
    assert_eq!(
        ui.audit("search")[0].reason.as_deref(),
        Some("zaak 2026-89")
    );

    // A session that gave its purpose at sign-in writes it into every row:
    // the dashboard, a cluster, a check.
    let s = ui.sign_in("analyst").await;
    let cluster = ui.cluster_of("2026-AMS-000101");
    ui.get("/", Some(&s)).await;
    ui.get(&format!("/clusters/{cluster}"), Some(&s)).await;
    let form = [
        ("csrf", s.csrf.as_str()),
        ("narrative", "NL42 INGB 0006 1234 56"),
    ];
    ui.post("/check", Some(&s), &form).await;
    for action in ["list_clusters", "read_cluster", "check"] {
        let row = &ui.audit(action)[0];
        assert_eq!(row.reason.as_deref(), Some(UI_PURPOSE), "{action}");
    }
    let read = &ui.audit("read_cluster")[0];
    assert!(
        read.targets["reports"]
            .to_string()
            .contains("2026-AMS-000101"),
        "{:?}",
        read.targets
    );

    // A refused page is logged with the purpose.
    let s = ui.sign_in("intake").await;
    let p = ui.get("/search?q=rekening", Some(&s)).await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    let row = &ui.audit("search")[0];
    assert_eq!(
        (row.outcome.as_str(), row.reason.as_deref()),
        ("denied", Some(UI_PURPOSE))
    );
    assert_eq!(row.targets["path"], "/search");
}

// See: issue 19 (finding 3). A report written again keeps its earlier
// version, which the report page shows analysts (escaped) but not intake.
#[tokio::test]
async fn issue_19_the_report_page_shows_analysts_the_earlier_versions() {
    let ui = Ui::new();
    let before = ui.engine.report("2026-LIM-000045").unwrap().unwrap().raw;
    let mut changed: serde_json::Value = serde_json::from_str(&before).unwrap();
    changed["narrative"] = "Aangevuld: <b>nieuw</b> nummer 06-42819937.".into();
    let (summary, _) = ui
        .engine
        .ingest_lines("correction", &[changed.to_string()])
        .unwrap();
    assert_eq!(summary.updated, 1);
    let s = ui.sign_in("analyst").await;
    let p = ui.get("/reports/2026-LIM-000045", Some(&s)).await;
    assert!(p.body.contains("Dit is versie 2"), "{}", p.body);
    assert!(
        p.body
            .contains("Op mijn telefoon stond het nummer van de bank")
    );
    assert!(p.body.contains("&#60;b&#62;nieuw&#60;/b&#62;"), "escaped");
    let s = ui.sign_in("intake").await;
    let p = ui.get("/reports/2026-LIM-000045", Some(&s)).await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(!p.body.contains("Dit is versie"), "no history for intake");
}

// See: issue 22
#[tokio::test]
async fn issue_22_pages_are_dutch_unless_english_is_chosen_or_asked_for() {
    let ui = Ui::new();
    let s = ui.sign_in("analyst").await;
    let p = ui.get("/", Some(&s)).await;
    assert!(p.body.contains(r#"<html lang="nl">"#));
    assert!(p.body.contains("Clusters op prioriteit"));
    assert!(p.body.contains("Afmelden"));
    assert!(!p.body.contains("Sign out"));
    // Dates in one local format, never raw RFC 3339 (the fixtures are of
    // 2026: "2 mrt 2026").
    assert!(
        !p.body.contains("T0") && !p.body.contains(":00Z"),
        "no raw times"
    );
    let p = ui
        .get_with(
            "/",
            Some(&s),
            &[(header::ACCEPT_LANGUAGE, "en-GB,en;q=0.9")],
        )
        .await;
    assert!(p.body.contains(r#"<html lang="en">"#));
    assert!(p.body.contains("Clusters by priority"));
    // The switch on every page sets a cookie, which wins over the browser.
    assert!(
        p.body.contains(r#"href="/lang?to=nl&amp;next=/""#),
        "{}",
        p.body
    );
    let sw = ui.get("/lang?to=en&next=/search", None).await;
    assert_eq!(sw.status, StatusCode::SEE_OTHER);
    assert_eq!(sw.location, "/search");
    assert!(
        sw.set_cookie.starts_with("fl_lang=en;"),
        "{}",
        sw.set_cookie
    );
    let chosen = sw.set_cookie.split(';').next().unwrap().to_owned();
    let p = ui
        .get_with(
            "/search",
            Some(&s),
            &[(header::COOKIE, &chosen), (header::ACCEPT_LANGUAGE, "nl")],
        )
        .await;
    assert!(p.body.contains("Search reports"), "{}", p.body);
    // The sign-in page has the switch too, and keeps where it leads.
    let p = ui.get("/login?next=%2Fsearch", None).await;
    assert!(p.body.contains("Aanmelden"));
    let sw = ui
        .get("/lang?to=en&next=%2Flogin%3Fnext%3D%252Fsearch", None)
        .await;
    assert_eq!(sw.location, "/login?next=%2Fsearch");
    // The switch goes nowhere but this site.
    let sw = ui.get("/lang?to=en&next=https://evil.example/", None).await;
    assert_eq!(sw.location, "/");
}

// See: issue 22
#[tokio::test]
async fn issue_22_error_pages_are_translated_have_navigation_and_name_the_unknown_id() {
    let ui = Ui::new();
    let s = ui.sign_in("analyst").await;
    let p = ui.get("/reports/2026-XX-999999", Some(&s)).await;
    assert_eq!(p.status, StatusCode::NOT_FOUND);
    assert!(
        p.body.contains("Aangifte 2026-XX-999999 bestaat niet"),
        "{}",
        p.body
    );
    for link in [
        r#"href="/search""#,
        r#"href="/check""#,
        r#"href="/lang?to=en"#,
    ] {
        assert!(p.body.contains(link), "{link} on the error page");
    }
    let p = ui
        .get_with(
            "/reports/2026-XX-999999",
            Some(&s),
            &[(header::ACCEPT_LANGUAGE, "en")],
        )
        .await;
    assert!(p.body.contains("There is no report 2026-XX-999999"));
    // Past the last page: an honest empty page that leads back.
    let p = ui.get("/?page=999", Some(&s)).await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.body.contains("Pagina 999 is leeg"), "{}", p.body);
    assert!(p.body.contains(r#"id="first-page""#));
    assert!(!p.body.contains("getoond 0"), "no 'showing 0-...'");
    let p = ui.get("/search?q=rekening&page=999", Some(&s)).await;
    assert!(p.body.contains("Pagina 999 is leeg") || p.body.contains("pagina 500"));
}

// See: issue 22
#[tokio::test]
async fn issue_22_search_explains_a_bad_query_in_dutch_and_offers_lists_to_choose_from() {
    let ui = Ui::new();
    let s = ui.sign_in("analyst").await;
    let p = ui.get("/search?q=AND+OR+(", Some(&s)).await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.body.contains(r#"id="search-error""#), "{}", p.body);
    assert!(p.body.contains("De zoekvraag kon niet worden gelezen"));
    assert!(!p.body.contains("Syntax Error"), "the engine's own words");
    // A date that is none is named; a Dutch one is read (issue 21).
    let p = ui.get("/search?q=geld&from=31-31-2026", Some(&s)).await;
    assert!(p.body.contains("31-31-2026 is geen datum"), "{}", p.body);
    let p = ui.get("/search?q=geld&from=5-12-2025", Some(&s)).await;
    assert!(!p.body.contains("geen datum"));
    // The day is shown as it was typed, in a field that asks for the
    // Dutch order (a date picker showed mm/dd/yyyy in an English browser).
    assert!(
        p.body.contains(r#"name="from" value="5-12-2025""#)
            && p.body.contains(r#"placeholder="dd-mm-jjjj""#)
            && !p.body.contains(r#"type="date""#),
        "{}",
        p.body
    );
    // Unit, team and fraud type are lists from the data and the settings.
    for list in [
        r#"<select name="unit""#,
        r#"<select name="team""#,
        r#"<select name="type""#,
    ] {
        assert!(p.body.contains(list), "{list}");
    }
    assert!(p.body.contains(r#"<option value="Amsterdam""#));
    assert!(p.body.contains(r#"<option value="Heerlen""#));
    assert!(p.body.contains("bankhelpdeskfraude"));
    // A unit typed in another case finds the same reports.
    let exact = ui.get("/search?q=rekening&unit=Amsterdam", Some(&s)).await;
    let lower = ui.get("/search?q=rekening&unit=amsterdam", Some(&s)).await;
    let count = |p: &Page| p.body.matches("<tr><td><a href=\"/reports/").count();
    assert!(count(&exact) > 0, "{}", exact.body);
    assert_eq!(count(&exact), count(&lower));
    assert!(lower.body.contains(r#"<option value="Amsterdam" selected"#));
}

// See: issue 22
#[tokio::test]
async fn issue_22_intake_lists_every_cluster_names_unreadable_lines_and_says_what_to_do() {
    let ui = Ui::new();
    let first = ui.cluster_of("2026-AMS-000101");
    let second = ui.cluster_of("2026-MN-000201");
    assert_ne!(first, second);
    let s = ui.sign_in("intake").await;
    let p = ui
        .post(
            "/check",
            Some(&s),
            &[
                ("csrf", &s.csrf),
                (
                    "identifiers",
                    "NL42 INGB 0006 1234 56\n06 1287 3344\nNL42 INGB 0006\nbel me maar",
                ),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.body.contains("hoort bij 2 clusters"), "{}", p.body);
    for c in [&first, &second] {
        assert!(
            p.body
                .contains(&format!("Noteer clusternummer {c} in de aangifte")),
            "next step for {c}"
        );
    }
    // Nobody has these clusters yet: said, with what to do.
    assert!(p.body.contains("nog aan geen team toegewezen"));
    // Each line that gave nothing is named, with why.
    assert!(
        p.body
            .contains("<code>NL42 INGB 0006</code>: lijkt op een IBAN"),
        "{}",
        p.body
    );
    assert!(
        p.body
            .contains("<code>bel me maar</code>: hierin staat geen IBAN")
    );
    // A statement whose only number is the bank's own, spoofed.
    let p = ui
        .post(
            "/check",
            Some(&s),
            &[
                ("csrf", &s.csrf),
                (
                    "narrative",
                    "Ik werd gebeld door de Rabobank, in beeld stond 088 722 67 67. Ik moest mijn geld veiligstellen.",
                ),
            ],
        )
        .await;
    assert!(p.body.contains("Geen bekend cluster gevonden."));
    assert!(
        p.body.contains("+31887226767: dit is een officieel nummer"),
        "{}",
        p.body
    );
    assert!(p.body.contains("spoofing"));
    for ask in [
        "het IBAN waarnaar het geld",
        "het nummer dat echt belde",
        "de link of website",
    ] {
        assert!(p.body.contains(ask), "{ask}");
    }
    // Once assigned, the team that has it is named.
    triage(&ui.engine, &first, None, Some("Peelland"));
    let p = ui
        .post(
            "/check",
            Some(&s),
            &[("csrf", &s.csrf), ("identifiers", "NL42 INGB 0006 1234 56")],
        )
        .await;
    assert!(p.body.contains("in behandeling bij Peelland"), "{}", p.body);
    let p = ui.get(&format!("/clusters/{first}"), Some(&s)).await;
    assert!(p.body.contains("in behandeling bij Peelland"), "{}", p.body);
}

/// The rows of the dashboard's cluster list: id, reports, reason.
fn listed(body: &str) -> Vec<(String, usize, String)> {
    let start = body.find("id=\"clusters\"").expect("the cluster list");
    let table = &body[start..];
    let table = &table[..table.find("</table>").unwrap()];
    let id = regex::Regex::new(r#"href="/clusters/([^"]+)""#).unwrap();
    let size = regex::Regex::new(r#"<td class="num">(\d+)</td>"#).unwrap();
    let reason = regex::Regex::new(r#"<td class="reason">([^<]*)</td>"#).unwrap();
    table
        .split("<tr>")
        .skip(2)
        .map(|row| {
            (
                id.captures(row).unwrap()[1].to_owned(),
                size.captures(row).unwrap()[1].parse().unwrap(),
                reason.captures(row).unwrap()[1].to_owned(),
            )
        })
        .collect()
}

// See: issue 22 (closed and handed-over clusters stayed on top; columns
// could not be sorted; no reason per row)
#[tokio::test]
async fn issue_22_the_cluster_list_shows_open_unassigned_clusters_sorted_as_asked_with_why() {
    let ui = Ui::new();
    let s = ui.sign_in("coordinator").await;
    let all = listed(&ui.get("/?view=all", Some(&s)).await.body);
    assert!(all.len() >= 4, "{all:?}");
    // Each row says why it ranks there, in Dutch by default.
    assert!(
        all.iter()
            .all(|(_, n, why)| why.contains(&format!("{n} aangiftes"))
                || why.contains("nieuw")
                || why.contains("eenheden")
                || why.contains("NL-")
                || why.contains("schade")),
        "{all:?}"
    );
    assert!(
        all.iter().any(|(_, _, why)| why.contains("eenheden")),
        "{all:?}"
    );
    let (closed, handed, assigned) = (&all[0].0, &all[1].0, &all[2].0);
    for (id, status, team) in [
        (closed, "closed", None),
        (handed, "handed_over", None),
        (assigned, "in_investigation", Some("Peelland")),
    ] {
        triage(&ui.engine, id, Some(status), team);
    }
    // The default view: open and unassigned only, with a way to all.
    let p = ui.get("/", Some(&s)).await;
    let open: Vec<String> = listed(&p.body).into_iter().map(|r| r.0).collect();
    assert_eq!(open.len(), all.len() - 3, "{open:?}");
    for id in [closed, handed, assigned] {
        assert!(!open.contains(id), "{id} is not open and unassigned");
    }
    assert!(
        p.body
            .contains(&format!("Open en niet toegewezen ({})", all.len() - 3))
    );
    assert!(p.body.contains(&format!("Alle clusters ({})", all.len())));
    assert!(
        p.body.contains("id=\"show-all\" href=\"/?view=all\"")
            || p.body.contains("href=\"/?view=all\" id=\"show-all\"")
    );
    // A status chosen in the filters is shown whether open or not.
    let p = ui.get("/?status=closed", Some(&s)).await;
    let rows = listed(&p.body);
    assert_eq!(rows.len(), 1);
    assert_eq!(&rows[0].0, closed);

    // Sorted on reports, smallest first: the links keep view and order.
    let p = ui.get("/?view=all&sort=size&dir=asc", Some(&s)).await;
    assert_eq!(p.status, StatusCode::OK);
    let sizes: Vec<usize> = listed(&p.body).into_iter().map(|r| r.1).collect();
    assert_eq!(sizes.len(), all.len());
    assert!(sizes.windows(2).all(|w| w[0] <= w[1]), "{sizes:?}");
    assert!(p.body.contains("aria-sort=\"ascending\""));
    // The header turns the order round and sorts other columns in the
    // same view; the filter form keeps view and order.
    assert!(
        p.body.contains("href=\"/?view=all&#38;sort=size\""),
        "reverse"
    );
    assert!(p.body.contains("href=\"/?view=all&#38;sort=last\""));
    assert!(p.body.contains("href=\"/?view=all&#38;sort=growth\""));
    assert!(p.body.contains("name=\"sort\" value=\"size\""));
    assert!(p.body.contains("name=\"dir\" value=\"asc\""));
    let p = ui.get("/?view=all&sort=size", Some(&s)).await;
    let sizes: Vec<usize> = listed(&p.body).into_iter().map(|r| r.1).collect();
    assert!(sizes.windows(2).all(|w| w[0] >= w[1]), "{sizes:?}");
    let p = ui.get("/?sort=colour", Some(&s)).await;
    assert_eq!(p.status, StatusCode::BAD_REQUEST);
    assert!(p.body.contains("colour") && p.body.contains("score, size, units, last, growth"));

    // In English on request.
    let p = ui
        .get_with("/?view=all", Some(&s), &[(header::ACCEPT_LANGUAGE, "en")])
        .await;
    assert!(p.body.contains("Open and unassigned") && p.body.contains("All clusters"));
    assert!(
        listed(&p.body)
            .iter()
            .any(|(_, _, why)| why.contains("units"))
    );
}

/// A local time as the pages write it: `5 dec 2026 14:03`.
fn has_local_time(text: &str) -> bool {
    regex::Regex::new(
        r"\b\d{1,2} (jan|feb|mrt|apr|mei|jun|jul|aug|sep|okt|nov|dec) \d{4} \d{2}:\d{2}\b",
    )
    .unwrap()
    .is_match(text)
}

/// The part of a page inside the element with this `id`, up to its end tag.
fn section<'a>(body: &'a str, id: &str, end: &str) -> &'a str {
    let at = body
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("the page has #{id}"));
    let rest = &body[at..];
    &rest[..rest.find(end).unwrap_or(rest.len())]
}

// See: issue 22
#[tokio::test]
async fn issue_22_triage_is_at_the_top_takes_a_listed_team_and_confirms_who_did_what() {
    let ui = Ui::new();
    let cluster = ui.cluster_of("2026-AMS-000101");
    let page = format!("/clusters/{cluster}");
    let s = ui.sign_in("coordinator").await;
    let p = ui.get(&page, Some(&s)).await;
    assert_eq!(p.status, StatusCode::OK);
    // The form comes before the graph, the suggestions and the reports.
    let form = p.body.find("action=\"/clusters/").expect("the triage form");
    for later in ["id=\"graph\"", "id=\"suggestions\"", "id=\"report-list\""] {
        let at = p.body.find(later).unwrap_or(usize::MAX);
        assert!(form < at, "the triage form is above {later}");
    }
    // Teams are chosen from the list, not typed.
    assert!(p.body.contains("<select name=\"assigned_team\""));
    assert!(p.body.contains("<option value=\"Peelland\""));
    assert!(!p.body.contains("list=\"team-list\""));

    // Another case than the list's is stored as the list spells it.
    let triage = format!("{page}/triage");
    let r = ui
        .post(
            &triage,
            Some(&s),
            &[
                ("csrf", &s.csrf),
                ("status", "assigned"),
                ("assigned_team", "PEELLAND"),
                ("note", "bankgegevens gevorderd"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location, format!("{page}#triage"));
    let cid = fraudlink::cluster::ClusterId::new(cluster.clone());
    assert_eq!(
        ui.engine.triage(&cid).assigned_team.as_deref(),
        Some("Peelland")
    );
    // The page after saving says what changed, once.
    let p = ui.get(&page, Some(&s)).await;
    let flash = section(&p.body, "flash", "</p>");
    assert!(
        flash.contains(&format!(
            "Opgeslagen voor cluster {cluster}: status nieuw → toegewezen; toegewezen aan Peelland; notitie toegevoegd."
        )),
        "{flash}"
    );
    let again = ui.get(&page, Some(&s)).await;
    assert!(!again.body.contains("id=\"flash\""), "shown once");

    // A second note stands apart from the first, each with who and when.
    ui.post(
        &triage,
        Some(&s),
        &[
            ("csrf", &s.csrf),
            ("note", "zaak overgedragen aan recherche"),
        ],
    )
    .await;
    let p = ui.get(&page, Some(&s)).await;
    let notes = section(&p.body, "notes", "</ol>");
    assert_eq!(notes.matches("<li>").count(), 2, "{notes}");
    assert_eq!(notes.matches("coordinator#").count(), 2, "{notes}");
    assert!(has_local_time(notes), "{notes}");
    // The history says who changed what and when, in local time, never
    // as Unix seconds.
    let history = section(&p.body, "events", "</table>");
    assert!(history.contains("coordinator#"), "who triaged");
    assert!(history.contains("status: toegewezen"), "{history}");
    assert!(history.contains("team: Peelland"), "{history}");
    assert!(has_local_time(history), "{history}");
    assert!(
        !regex::Regex::new(r"_at: \d{9,}").unwrap().is_match(history),
        "{history}"
    );

    // A team not in the list is refused, naming the field, in Dutch.
    let r = ui
        .post(
            &triage,
            Some(&s),
            &[("csrf", &s.csrf), ("assigned_team", "Atlantis")],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.body
            .contains("Toewijzen aan team: team Atlantis staat niet in de lijst."),
        "{}",
        r.body
    );
    assert_eq!(
        ui.engine.triage(&cid).assigned_team.as_deref(),
        Some("Peelland")
    );
}

/// A suggestion between two clusters of the fixtures: its endpoints and
/// the clusters on each side.
fn suggestion_between_clusters(engine: &Engine) -> (String, String, String, String) {
    let state = engine.state();
    let s = state
        .suggestions(usize::MAX)
        .into_iter()
        .find(|x| {
            !x.a_clusters.is_empty() && !x.b_clusters.is_empty() && x.a_clusters != x.b_clusters
        })
        .expect("the fixtures have a suggestion between two clusters");
    (
        format!("{}:{}", s.suggestion.a.kind, s.suggestion.a.value),
        format!("{}:{}", s.suggestion.b.kind, s.suggestion.b.value),
        s.a_reports[0].to_string(),
        s.b_reports[0].to_string(),
    )
}

// See: issue 22
#[tokio::test]
async fn issue_22_a_confirmed_link_is_undone_in_the_ui_and_the_clusters_part_again() {
    let ui = Ui::new();
    let (a, b, ra, rb) = suggestion_between_clusters(&ui.engine);
    assert_ne!(ui.cluster_of(&ra), ui.cluster_of(&rb));
    let s = ui.sign_in("analyst").await;
    let home = ui.cluster_of(&ra);
    let r = ui
        .post(
            "/links",
            Some(&s),
            &[
                ("csrf", &s.csrf),
                ("a", &a),
                ("b", &b),
                ("decision", "confirm"),
                ("cluster", &home),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let joined = ui.cluster_of(&ra);
    assert_eq!(joined, ui.cluster_of(&rb), "confirmed: one cluster");
    // The cluster page lists the decision with who took it and an undo.
    let p = ui.get(&format!("/clusters/{joined}"), Some(&s)).await;
    assert!(
        section(&p.body, "flash", "</p>").contains("bevestigd; de clusters zijn samengevoegd"),
        "the confirmation"
    );
    let decisions = section(&p.body, "decision-list", "</table>");
    assert!(decisions.contains(&a) && decisions.contains("analyst#"));
    assert!(decisions.contains("value=\"undo\""));
    // Undo needs the session's CSRF token.
    let r = ui
        .post(
            "/links",
            Some(&s),
            &[("a", &a), ("b", &b), ("decision", "undo")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = ui
        .post(
            "/links",
            Some(&s),
            &[
                ("csrf", &s.csrf),
                ("a", &a),
                ("b", &b),
                ("decision", "undo"),
                ("cluster", &joined),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_ne!(
        ui.cluster_of(&ra),
        ui.cluster_of(&rb),
        "undone: apart again"
    );
    let p = ui
        .get(&format!("/clusters/{}", ui.cluster_of(&ra)), Some(&s))
        .await;
    assert!(
        section(&p.body, "flash", "</p>").contains("(bevestigd) ongedaan gemaakt"),
        "the confirmation names the decision undone"
    );
    let history = section(&p.body, "events", "</table>");
    assert!(
        history.contains("ongedaan gemaakt door analyst#"),
        "the history says who undid it: {history}"
    );
    // Nothing left to undo.
    let r = ui
        .post(
            "/links",
            Some(&s),
            &[
                ("csrf", &s.csrf),
                ("a", &a),
                ("b", &b),
                ("decision", "undo"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

// See: issue 22
#[tokio::test]
async fn issue_22_the_suggestion_queue_orders_by_value_and_a_confirmation_leaves_it() {
    let ui = Ui::new();
    let order = ui.engine.state().suggestion_queue().to_vec();
    assert!(!order.is_empty());
    assert!(
        order.windows(2).all(|w| w[0].reports >= w[1].reports),
        "most reports joined first"
    );
    let intake = ui.sign_in("intake").await;
    assert_eq!(
        ui.get("/suggestions", Some(&intake)).await.status,
        StatusCode::FORBIDDEN
    );
    let s = ui.sign_in("analyst").await;
    let p = ui.get("/suggestions", Some(&s)).await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.body.contains("href=\"/suggestions\""), "in the menu");
    let (a, b, _, _) = suggestion_between_clusters(&ui.engine);
    let queue = section(&p.body, "queue", "</table>");
    assert!(queue.contains(&a) && queue.contains(&b), "listed");
    assert!(
        queue.contains("Bevestigen brengt"),
        "what a confirmation joins"
    );
    assert!(
        ui.audit("suggestions")
            .iter()
            .any(|r| r.targets["via"] == "ui")
    );
    let r = ui
        .post(
            "/links",
            Some(&s),
            &[
                ("csrf", &s.csrf),
                ("a", &a),
                ("b", &b),
                ("decision", "confirm"),
                ("from", "queue"),
                ("page", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location, "/suggestions");
    let p = ui.get("/suggestions", Some(&s)).await;
    assert!(section(&p.body, "flash", "</p>").contains("bevestigd"));
    let gone = p
        .body
        .find("id=\"queue\"")
        .map(|_| section(&p.body, "queue", "</table>"))
        .unwrap_or("");
    assert!(
        !(gone.contains(&format!("value=\"{a}\"")) && gone.contains(&format!("value=\"{b}\""))),
        "a confirmed suggestion leaves the queue"
    );
    // It is among the latest decisions, to undo.
    let decided = section(&p.body, "decided-list", "</table>");
    assert!(decided.contains(&a) && decided.contains("value=\"undo\""));
}

// See: issue 22
#[tokio::test]
async fn issue_22_the_admin_page_shows_admins_the_access_log_and_refuses_others() {
    let ui = Ui::new();
    let analyst = ui.sign_in("analyst").await;
    let p = ui.get("/admin", Some(&analyst)).await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    assert!(
        p.body.contains("Uw rol (analist) mag dit niet."),
        "{}",
        p.body
    );
    assert!(
        !p.body.contains("href=\"/admin\""),
        "not in an analyst's menu"
    );
    // An analyst reads a cluster; the admin sees that read.
    let cluster = ui.cluster_of("2026-AMS-000101");
    ui.get(&format!("/clusters/{cluster}"), Some(&analyst))
        .await;
    let admin = ui.sign_in("admin").await;
    let p = ui.get("/admin", Some(&admin)).await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    let log = section(&p.body, "access-log", "</table>");
    assert!(
        log.contains("read_cluster") && log.contains(&cluster),
        "{log}"
    );
    assert!(log.contains("analyst#"), "who");
    assert!(
        log.contains("ui test &#60;zaak 7&#62;"),
        "the purpose, escaped"
    );
    assert!(has_local_time(log), "when");
    let analyst_id = ui
        .engine
        .tokens()
        .unwrap()
        .into_iter()
        .find(|t| t.label == "analyst")
        .unwrap()
        .id;
    let p = ui
        .get(&format!("/admin?who={analyst_id}"), Some(&admin))
        .await;
    let log = section(&p.body, "access-log", "</table>");
    assert!(log.contains("read_cluster"));
    assert!(!log.contains("admin#"), "only the chosen person: {log}");
    let p = ui.get("/admin?from=2999-01-01", Some(&admin)).await;
    assert!(p.body.contains("Geen regels met deze filters."));
    let p = ui.get("/admin?from=gisteren", Some(&admin)).await;
    assert_eq!(p.status, StatusCode::BAD_REQUEST);
    // Reading the log is itself logged.
    let reads = ui.audit("audit");
    assert!(
        reads
            .iter()
            .any(|r| r.targets["via"] == "ui"
                && r.actor.as_deref().unwrap_or("").starts_with("admin#")),
        "{reads:?}"
    );
}

// See: issue 22
#[tokio::test]
async fn issue_22_an_admin_creates_a_token_shown_once_and_a_revoked_one_is_refused() {
    let ui = Ui::new();
    let admin = ui.sign_in("admin").await;
    let form = [
        ("role", "analyst"),
        ("team", ""),
        ("label", "desk 2"),
        ("expires_in", "30d"),
    ];
    let r = ui.post("/admin/tokens", Some(&admin), &form).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "no CSRF token");
    let mut with_csrf = vec![("csrf", admin.csrf.as_str())];
    with_csrf.extend(form);
    let r = ui.post("/admin/tokens", Some(&admin), &with_csrf).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let p = ui.get("/admin", Some(&admin)).await;
    let flash = section(&p.body, "flash", "</div>");
    let secret = regex::Regex::new(r"fl_[0-9a-f]{48}")
        .unwrap()
        .find(flash)
        .expect("the new token is shown")
        .as_str()
        .to_owned();
    assert!(
        !ui.get("/admin", Some(&admin)).await.body.contains(&secret),
        "once"
    );
    let tokens = section(&p.body, "token-list", "</table>");
    assert!(tokens.contains("desk 2") && tokens.contains("geldig"));
    let id = ui
        .engine
        .tokens()
        .unwrap()
        .into_iter()
        .find(|t| t.label == "desk 2")
        .unwrap()
        .id;
    let api = |token: String| {
        Request::builder()
            .uri("/api/v1/clusters?limit=1")
            .header("authorization", format!("Bearer {token}"))
            .header("x-fraudlink-reason", "test")
            .body(Body::empty())
            .unwrap()
    };
    assert_eq!(ui.send(api(secret.clone())).await.status, StatusCode::OK);
    let r = ui
        .post(
            &format!("/admin/tokens/{id}/revoke"),
            Some(&admin),
            &[("csrf", &admin.csrf)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        ui.send(api(secret)).await.status,
        StatusCode::UNAUTHORIZED,
        "a revoked token is refused at once"
    );
    let p = ui.get("/admin", Some(&admin)).await;
    assert!(section(&p.body, "flash", "</div>").contains(&format!("Token {id} is ingetrokken")));
    // An intake token needs a team from the list.
    let r = ui
        .post(
            "/admin/tokens",
            Some(&admin),
            &[
                ("csrf", &admin.csrf),
                ("role", "intake"),
                ("label", "balie"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

/// The rows of a table on a page, as the text of their cells.
fn rows_of(body: &str, table_id: &str) -> Vec<Vec<String>> {
    let Some(start) = body.find(&format!("id=\"{table_id}\"")) else {
        return Vec::new();
    };
    let table = &body[start..];
    let table = &table[..table.find("</table>").unwrap()];
    let tag = regex::Regex::new(r"(?s)<[^>]*>").unwrap();
    table
        .split("<tr>")
        .skip(2)
        .map(|row| {
            row.split("<td")
                .skip(1)
                .map(|cell| {
                    let cell = &cell[cell.find('>').unwrap() + 1..];
                    tag.replace_all(cell, "").trim().to_owned()
                })
                .collect()
        })
        .collect()
}

// See: issue 22 (pivots). A benign identifier named by reports of two
// clusters: its pivot lists both clusters and every report, says why it
// does not link, is logged, and shows an intake officer their own team's
// reports only.
#[tokio::test]
async fn issue_22_an_identifiers_pivot_lists_every_cluster_and_report_naming_it_as_the_role_allows()
{
    let ui = Ui::new();
    let line = serde_json::json!({
        "id": "2026-LIM-000900",
        "filed_at": "2026-09-01T10:00:00+02:00",
        "unit": "Limburg",
        "team": "Heerlen",
        "fraud_type": "marketplace",
        "amount_eur": 95.0,
        "narrative": "Ik zag een fiets op marktplaats.nl. Ik heb betaald aan NL91ABNA0417164300 en kreeg niets.",
    });
    ui.engine.ingest_lines("test", &[line.to_string()]).unwrap();
    ui.engine.rebuild("test").unwrap();
    ui.engine.flush_index().unwrap();
    let (first, second) = (
        ui.cluster_of("2026-AMS-000190"),
        ui.cluster_of("2026-LIM-000900"),
    );
    assert_ne!(first, second);
    assert_eq!(first, ui.cluster_of("2026-RTM-000401"));

    let s = ui.sign_in("analyst").await;
    let p = ui
        .get("/identifiers?kind=domain&value=marktplaats.nl", Some(&s))
        .await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    let clusters: Vec<String> = rows_of(&p.body, "pivot-clusters")
        .into_iter()
        .map(|r| r[0].clone())
        .collect();
    assert!(clusters.contains(&first), "{clusters:?}");
    assert!(clusters.contains(&second), "{clusters:?}");
    let reports = rows_of(&p.body, "pivot-reports");
    let ids: Vec<&str> = reports.iter().map(|r| r[0].as_str()).collect();
    for id in ["2026-AMS-000190", "2026-RTM-000401", "2026-LIM-000900"] {
        assert!(ids.contains(&id), "{id} in {ids:?}");
    }
    // Newest first, with date, unit, team and cluster.
    assert_eq!(ids[0], "2026-LIM-000900");
    assert_eq!(reports[0][2], "Limburg");
    assert_eq!(reports[0][3], "Heerlen");
    assert_eq!(reports[0][5], second);
    // Why it does not link, in Dutch.
    assert!(
        p.body.contains("Koppelt niet: algemeen bekend"),
        "{}",
        p.body
    );
    // The read is in the access log with what was shown and why.
    let row = &ui.audit("read_identifier")[0];
    assert_eq!(row.outcome, "ok");
    assert_eq!(row.reason.as_deref(), Some(UI_PURPOSE));
    assert_eq!(row.targets["identifier"], "domain:marktplaats.nl");
    let logged = row.targets["reports"].to_string();
    for id in ["2026-AMS-000190", "2026-LIM-000900"] {
        assert!(logged.contains(id), "{id} in {logged}");
    }

    // Every identifier of the cluster page links to its pivot; a value
    // typed in another form is read in its canonical one.
    let p = ui.get(&format!("/clusters/{second}"), Some(&s)).await;
    assert!(
        p.body
            .contains(r#"href="/identifiers?kind=iban&#38;value=NL91ABNA0417164300""#),
        "{}",
        p.body
    );
    let p = ui
        .get(
            "/identifiers?kind=iban&value=nl91+abna+0417+1643+00",
            Some(&s),
        )
        .await;
    assert!(p.body.contains(r#"id="read-as""#), "{}", p.body);
    assert_eq!(rows_of(&p.body, "pivot-clusters")[0][0], second);
    assert!(p.body.contains("Koppelt: elke aangifte"));
    let p = ui
        .get("/identifiers?kind=iban&value=NL00+ABNA+1234", Some(&s))
        .await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.body.contains(r#"id="pivot-error""#), "{}", p.body);
    assert!(p.body.contains("kon niet worden gelezen als IBAN"));

    // An intake officer of Heerlen sees their own team's report only, and
    // no cluster their own check did not match.
    let s = ui.sign_in("intake").await;
    let p = ui
        .get("/identifiers?kind=domain&value=marktplaats.nl", Some(&s))
        .await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    let ids: Vec<String> = rows_of(&p.body, "pivot-reports")
        .into_iter()
        .map(|r| r[0].clone())
        .collect();
    assert_eq!(ids, ["2026-LIM-000900"]);
    assert!(rows_of(&p.body, "pivot-clusters").is_empty());
    assert!(!p.body.contains("2026-AMS-000190"));
    assert!(p.body.contains(r#"id="own-team-only""#));
    let row = &ui.audit("read_identifier")[0];
    assert!(
        !row.targets["reports"]
            .to_string()
            .contains("2026-AMS-000190")
    );
}

// See: issue 22 (search). Facets count the matching reports per unit,
// fraud type and cluster status and narrow the search; grouped, one row
// per cluster counts its matching reports; lists match in any case.
#[tokio::test]
async fn issue_22_search_groups_by_cluster_and_counts_per_unit_type_and_status() {
    let ui = Ui::new();
    let phishing = ui.cluster_of("2026-MN-000300");
    let later = ui.cluster_of("2026-NH-000502");
    assert_ne!(phishing, later);
    assert_eq!(phishing, ui.cluster_of("2026-ON-000415"));
    triage(&ui.engine, &phishing, Some("in_investigation"), None);
    let s = ui.sign_in("analyst").await;
    // Typed in another case, the type is the list's.
    let p = ui.get("/search?type=PHISHING", Some(&s)).await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    assert_eq!(rows_of(&p.body, "hits").len(), 5, "{}", p.body);
    let facet = |body: &str, name: &str| -> Vec<(String, usize)> {
        let at = body
            .find(&format!(r#"data-facet="{name}""#))
            .expect("the facet");
        let section = &body[at..];
        let section = &section[..section.find("</section>").unwrap()];
        let item = regex::Regex::new(r#"<li>(?:<a [^>]*>|<strong>)([^<]*)(?:</a>|</strong>) <span class="count">(\d+)</span>"#).unwrap();
        item.captures_iter(section)
            .map(|c| (c[1].to_owned(), c[2].parse().unwrap()))
            .collect()
    };
    assert_eq!(
        facet(&p.body, "field.unit"),
        [
            ("Noord-Holland".to_owned(), 2),
            ("Limburg".to_owned(), 1),
            ("Midden-Nederland".to_owned(), 1),
            ("Oost-Nederland".to_owned(), 1),
        ]
    );
    assert_eq!(
        facet(&p.body, "field.fraud_type"),
        [("phishing".to_owned(), 5)]
    );
    assert_eq!(
        facet(&p.body, "field.status"),
        [("in onderzoek".to_owned(), 3), ("nieuw".to_owned(), 2)]
    );
    // A facet value narrows the search.
    assert!(
        p.body
            .contains(r#"<a href="/search?unit=Noord-Holland&#38;type=phishing">"#),
        "{}",
        p.body
    );
    let p = ui
        .get("/search?type=phishing&status=in_investigation", Some(&s))
        .await;
    let hits: Vec<String> = rows_of(&p.body, "hits")
        .into_iter()
        .map(|r| r[0].clone())
        .collect();
    assert_eq!(hits.len(), 3, "{hits:?}");
    assert!(hits.iter().all(|h| ui.cluster_of(h) == phishing));
    let p = ui
        .get("/search?type=phishing&unit=noord-holland", Some(&s))
        .await;
    assert_eq!(rows_of(&p.body, "hits").len(), 2);
    // Grouped: one row per cluster with its matching reports counted.
    let p = ui
        .get("/search?type=phishing&group=cluster", Some(&s))
        .await;
    let groups = rows_of(&p.body, "groups");
    assert_eq!(groups.len(), 2, "{}", p.body);
    assert_eq!(
        (groups[0][0].as_str(), groups[0][1].as_str()),
        (phishing.as_str(), "3")
    );
    assert_eq!(
        (groups[1][0].as_str(), groups[1][1].as_str()),
        (later.as_str(), "2")
    );
    assert_eq!(groups[0][3], "in onderzoek");
    assert!(
        p.body
            .contains(r#"<input type="checkbox" name="group" value="cluster" id="group" checked>"#)
    );
    // The count leads to that cluster's matching reports.
    let p = ui
        .get(&format!("/search?type=phishing&cluster={later}"), Some(&s))
        .await;
    let hits: Vec<String> = rows_of(&p.body, "hits")
        .into_iter()
        .map(|r| r[0].clone())
        .collect();
    assert_eq!(hits.len(), 2, "{}", p.body);
    assert!(hits.contains(&"2026-NH-000502".to_owned()));
}

/// The cells of the rows of the first table body after `id="{id}"`.
fn table_after(body: &str, id: &str) -> Vec<Vec<String>> {
    let at = body
        .find(&format!(r#"id="{id}""#))
        .unwrap_or_else(|| panic!("no element {id}"));
    let rest = &body[at..];
    let start = rest.find("<tbody>").expect("a table body") + "<tbody>".len();
    let end = rest[start..].find("</tbody>").unwrap() + start;
    let cell = regex::Regex::new(r"(?s)<t[hd][^>]*>(.*?)</t[hd]>").unwrap();
    let tag = regex::Regex::new(r"<[^>]*>").unwrap();
    rest[start..end]
        .split("<tr>")
        .skip(1)
        .map(|row| {
            cell.captures_iter(row)
                .map(|c| tag.replace_all(&c[1], "").trim().to_owned())
                .collect()
        })
        .collect()
}

// See: issue 22
#[tokio::test]
async fn issue_22_the_flow_page_counts_found_closed_reopened_and_open_clusters_per_week() {
    use fraudlink::engine::flow::weeks_to;
    let ui = Ui::new();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let weeks = weeks_to(now, 26);
    let w = &weeks[22..];
    // Tuesday 10:00 and Wednesday 10:00 of the last four weeks' first three
    // (the current week is only sure to have its past up to now).
    let tue = |i: usize| w[i].start + 86_400 + 10 * 3_600;
    let wed = |i: usize| tue(i) + 86_400;
    let state = ui.engine.state();
    let linked: Vec<String> = state
        .clusters()
        .iter()
        .filter(|c| c.size >= 2)
        .map(|c| c.cluster_id.to_string())
        .collect();
    let n = linked.len();
    assert!(n >= 4, "the fixtures have linked clusters ({n})");
    let (a, b, c) = (&linked[0], &linked[1], &linked[2]);
    // A is closed in the second week, B assigned to Peelland in the second,
    // C closed in the third and reopened now.
    let e = &ui.engine;
    triage(e, a, Some("closed"), None);
    triage(e, b, Some("assigned"), Some("Peelland"));
    triage(e, c, Some("closed"), None);
    triage(e, c, Some("new"), None);
    {
        let db = rusqlite::Connection::open(ui._app.data().join("fraudlink.db")).unwrap();
        db.execute("UPDATE clusters SET created_at = ?1", [tue(0)])
            .unwrap();
        for (id, found) in [(b, tue(1)), (c, tue(2))] {
            db.execute(
                "UPDATE clusters SET created_at = ?2 WHERE id = ?1",
                rusqlite::params![id, found],
            )
            .unwrap();
        }
        // The steps in order; C's reopening stays now.
        for (id, times) in [(a, vec![tue(1)]), (b, vec![wed(1)]), (c, vec![wed(2)])] {
            let ids: Vec<i64> = db
                .prepare(
                    "SELECT id FROM cluster_events WHERE kind = 'triage' AND cluster_id = ?1 ORDER BY id",
                )
                .unwrap()
                .query_map([id], |r| r.get(0))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            for (row, at) in ids.iter().zip(times) {
                db.execute(
                    "UPDATE cluster_events SET at = ?2 WHERE id = ?1",
                    rusqlite::params![row, at],
                )
                .unwrap();
            }
        }
    }
    let s = ui.sign_in("analyst").await;
    let p = ui.get("/flow", Some(&s)).await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    assert!(p.body.contains("Doorstroom van zaken"), "in Dutch");
    let rows = table_after(&p.body, "chart-flow");
    assert_eq!(rows.len(), 26, "26 weeks by default");
    let last4: Vec<Vec<String>> = rows[22..].to_vec();
    let row = |i: usize, found: usize, out: usize, reopened: usize| {
        // Weeks as Dutch readers write them.
        let dutch = format!("week {} van {}", w[i].week, w[i].year);
        let label = if i == 3 {
            format!("{dutch} (lopend)")
        } else {
            dutch
        };
        vec![
            label,
            found.to_string(),
            out.to_string(),
            reopened.to_string(),
        ]
    };
    assert_eq!(
        last4,
        [
            row(0, n - 2, 0, 0),
            row(1, 1, 1, 0),
            row(2, 1, 1, 0),
            row(3, 0, 0, 1),
        ]
    );
    assert!(rows[..22].iter().all(|r| r[1..] == ["0", "0", "0"]));
    // The backlog: carried over the weeks, down by one when C closes, up
    // again when it reopens.
    let backlog: Vec<String> = table_after(&p.body, "chart-backlog")[21..]
        .iter()
        .map(|r| r[1].clone())
        .collect();
    let want: Vec<String> = [0, n - 2, n - 2, n - 2, n - 1]
        .iter()
        .map(usize::to_string)
        .collect();
    assert_eq!(backlog, want);
    // The current week is marked, in the chart and in words.
    assert!(p.body.contains(r#"<g class="partial">"#));
    assert!(p.body.contains(&format!("wk {}*", w[3].week)));
    assert!(
        p.body
            .contains(&format!("* week {} van {} loopt nog", w[3].week, w[3].year))
    );
    // Every chart has a title and a description for screen readers.
    for id in [
        "chart-flow",
        "chart-backlog",
        "chart-reports",
        "chart-ageing",
    ] {
        assert!(
            p.body
                .contains(&format!(r#"aria-labelledby="{id}-t {id}-d""#)),
            "{id}"
        );
    }
    // Reports in: those filed in the weeks shown.
    let filed = state
        .clusters()
        .iter()
        .flat_map(|c| c.report_ids.iter())
        .filter_map(|r| state.row(r))
        .filter(|r| r.filed_at >= weeks[0].start && r.filed_at <= now)
        .count();
    let counted: usize = table_after(&p.body, "chart-reports")
        .iter()
        .map(|r| r[1].parse::<usize>().unwrap())
        .sum();
    assert_eq!(counted, filed);
    // Ageing: B waits at assigned, C at new since now, the rest at new
    // since the first week.
    let ageing = table_after(&p.body, "chart-ageing");
    let cells = |r: &Vec<String>| r[1..].to_vec();
    let want = |v: [usize; 5]| v.iter().map(usize::to_string).collect::<Vec<_>>();
    assert_eq!(ageing[0][0], "nieuw");
    assert_eq!(cells(&ageing[0]), want([1, n - 3, 0, 0, n - 2]));
    assert_eq!(ageing[2][0], "toegewezen");
    assert_eq!(cells(&ageing[2]), want([0, 1, 0, 0, 1]));
    // Lead times from when the cluster was found: B assigned a day after,
    // A closed 7 days after, C a day after (median 4).
    let teams = table_after(&p.body, "flow-teams");
    let team = |name: &str| {
        teams
            .iter()
            .find(|r| r[0] == name)
            .unwrap_or_else(|| panic!("no row {name}: {teams:?}"))
            .clone()
    };
    assert_eq!(team("Peelland")[1..], ["1", "1", "1,0 dgn", "0", "–"]);
    assert_eq!(
        team("(niet toegewezen)")[1..],
        [&(n - 2).to_string(), "0", "–", "2", "4,0 dgn"]
    );
    assert_eq!(team("alle teams")[1], (n - 1).to_string());
    // The read is logged with the session's purpose.
    let logged = ui.audit("flow");
    assert_eq!(logged.len(), 1);
    assert_eq!(logged[0].reason.as_deref(), Some(UI_PURPOSE));
    assert_eq!(logged[0].targets["via"], "ui");

    // A unit's own figures: only the clusters reaching it.
    let unit = state
        .cluster(&fraudlink::cluster::ClusterId::new(b.clone()))
        .unwrap()
        .units[0]
        .to_string();
    let reaching = state
        .clusters()
        .iter()
        .filter(|c| c.size >= 2 && c.units.iter().any(|u| **u == *unit))
        .count();
    let p = ui
        .get(
            &format!("/flow?unit={}&weeks=12", fraudlink::ui::urlencode(&unit)),
            Some(&s),
        )
        .await;
    assert_eq!(p.status, StatusCode::OK);
    let rows = table_after(&p.body, "chart-flow");
    assert_eq!(rows.len(), 12);
    let found: usize = rows.iter().map(|r| r[1].parse::<usize>().unwrap()).sum();
    assert_eq!(found, reaching);
    assert!(p.body.contains(&format!("Eenheid {unit}")));
    // Weeks other than the choices are refused; intake officers may not.
    let p = ui.get("/flow?weeks=7", Some(&s)).await;
    assert_eq!(p.status, StatusCode::BAD_REQUEST);
    assert!(p.body.contains("12, 26 of 52"));
    let intake = ui.sign_in("intake").await;
    assert_eq!(
        ui.get("/flow", Some(&intake)).await.status,
        StatusCode::FORBIDDEN
    );
    // The dashboard sums up this week and links here.
    let p = ui.get("/", Some(&s)).await;
    assert!(p.body.contains(r#"href="/flow""#));
    assert!(p.body.contains(&format!(
        "Deze week (week {} van {}, lopend): 0 clusters gevonden",
        w[3].week, w[3].year
    )));
}

// See: issue 22 (a graph that reads at 500 reports: identifiers as nodes,
// benign ones hidden, a legend, confirmed links drawn, nodes that the
// keyboard and screen readers reach)
#[tokio::test]
async fn issue_22_the_identifier_view_draws_linking_identifiers_as_links_with_confirmed_links() {
    let ui = Ui::new();
    let s = ui.sign_in("analyst").await;
    // An analyst confirms a suggested link between two clusters.
    let state = ui.engine.state();
    let sugg = state
        .suggestions(usize::MAX)
        .into_iter()
        .find(|x| {
            !x.a_reports.is_empty() && !x.b_reports.is_empty() && x.a_clusters != x.b_clusters
        })
        .expect("the fixtures have a suggestion between two clusters");
    drop(state);
    let a = format!("{}:{}", sugg.suggestion.a.kind, sugg.suggestion.a.value);
    let b = format!("{}:{}", sugg.suggestion.b.kind, sugg.suggestion.b.value);
    ui.engine
        .decide(
            &a,
            &b,
            fraudlink::engine::Decision::Confirm,
            "analyst",
            "same account, one digit off",
        )
        .unwrap();
    let cluster = ui.cluster_of(sugg.a_reports[0].as_str());
    assert_eq!(cluster, ui.cluster_of(sugg.b_reports[0].as_str()), "merged");

    let p = ui
        .get(&format!("/clusters/{cluster}?graph=identifiers"), Some(&s))
        .await;
    assert_eq!(p.status, StatusCode::OK);
    let svg_start = p
        .body
        .find(r#"<svg id="cluster-graph""#)
        .expect("the graph");
    let svg = &p.body[svg_start..svg_start + p.body[svg_start..].find("</svg>").unwrap()];
    assert!(svg.contains(r#"data-view="identifiers""#));
    assert!(svg.contains(r#"role="group""#) && !svg.contains(r#"role="img""#));
    // Every node is a link with a name a screen reader reads out.
    let nodes = svg.matches(r#"class="node "#).count();
    assert!(nodes >= 2, "{svg}");
    assert_eq!(
        svg.matches("<a href=\"/identifiers?kind=").count()
            + svg.matches("<a href=\"/reports/").count(),
        nodes
    );
    // (and the graph itself has one).
    assert_eq!(svg.matches(" aria-label=\"").count(), nodes + 1);
    assert!(
        svg.contains("aangiftes,") || svg.contains("aangifte,"),
        "{svg}"
    );
    // The confirmed link is an edge of its own, both ends drawn.
    let confirmed = &svg[svg.find(r#"<g class="confirmed">"#).unwrap()..];
    let confirmed = &confirmed[..confirmed.find("</g>").unwrap()];
    assert_eq!(confirmed.matches("<line").count(), 1, "{confirmed}");
    assert!(confirmed.contains("same account, one digit off"));
    // A legend names the kinds drawn; a list repeats the nodes.
    assert!(p.body.contains(r#"id="graph-legend""#));
    assert!(p.body.contains("verband bevestigd door een analist"));
    assert!(p.body.contains(r#"id="graph-list""#));
    // The kind filter: only the other kinds leaves the confirmed ends out.
    let other: Vec<&str> = [
        "iban", "phone", "url", "domain", "email", "handle", "crypto",
    ]
    .into_iter()
    .filter(|k| *k != sugg.suggestion.a.kind.as_str() && *k != sugg.suggestion.b.kind.as_str())
    .collect();
    let q: String = other.iter().map(|k| format!("&kind={k}")).collect();
    let f = ui
        .get(
            &format!("/clusters/{cluster}?graph=identifiers{q}"),
            Some(&s),
        )
        .await;
    assert!(
        f.body.contains(r#"<g class="confirmed"></g>"#),
        "filtered out"
    );
    assert!(f.body.matches(r#"class="node "#).count() < nodes);
    // A date nobody can read is said so, and the page still answers.
    let bad = ui
        .get(
            &format!("/clusters/{cluster}?graph=identifiers&from=gisteren"),
            Some(&s),
        )
        .await;
    assert_eq!(bad.status, StatusCode::OK);
    assert!(bad.body.contains(r#"id="graph-error""#) && bad.body.contains("gisteren"));
    // The report-level view draws the confirmed link between reports too.
    let r = ui
        .get(&format!("/clusters/{cluster}?graph=reports"), Some(&s))
        .await;
    assert!(r.body.contains(r#"data-view="reports""#));
    assert!(
        !r.body.contains(r#"<g class="confirmed"></g>"#),
        "a confirmed line"
    );

    // The API gives the same view, additively, and logs the read.
    let before = ui.audit("cluster_graph").len();
    let api = ui
        .get_with(
            &format!("/api/v1/clusters/{cluster}/graph?view=identifiers"),
            None,
            &[
                (
                    header::AUTHORIZATION,
                    &format!("Bearer {}", ui.tokens["analyst"]),
                ),
                (
                    header::HeaderName::from_static("x-fraudlink-reason"),
                    "zaak 7",
                ),
            ],
        )
        .await;
    assert_eq!(api.status, StatusCode::OK, "{}", api.body);
    let v: serde_json::Value = serde_json::from_str(&api.body).unwrap();
    assert_eq!(v["view"], "identifiers");
    assert_eq!(v["nodes"].as_array().unwrap().len(), nodes);
    assert_eq!(v["confirmed"].as_array().unwrap().len(), 1);
    assert_eq!(v["confirmed"][0]["basis"], "same account, one digit off");
    assert!(
        v["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|n| n["reports"].as_u64().unwrap() >= 1)
    );
    assert_eq!(ui.audit("cluster_graph").len(), before + 1, "logged");
    let bad = ui
        .get_with(
            &format!("/api/v1/clusters/{cluster}/graph?view=identifiers&kinds=iban,fax"),
            None,
            &[
                (
                    header::AUTHORIZATION,
                    &format!("Bearer {}", ui.tokens["analyst"]),
                ),
                (
                    header::HeaderName::from_static("x-fraudlink-reason"),
                    "zaak 7",
                ),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("fax"));
}

// See: issue 22 (review). Unassigning is recorded as such: the history
// says "toewijzing opgeheven" for it and nothing about the team for a
// change that left the team alone (both store a null team).
#[tokio::test]
async fn issue_22_the_history_tells_unassigning_from_leaving_the_team_alone() {
    let ui = Ui::new();
    let cluster = ui.cluster_of("2026-AMS-000101");
    let page = format!("/clusters/{cluster}");
    let triage = format!("{page}/triage");
    let s = ui.sign_in("coordinator").await;
    for form in [
        vec![("status", "assigned"), ("assigned_team", "Peelland")],
        vec![("unassign", "1")],
        vec![("status", "in_investigation")],
    ] {
        let mut form = form;
        form.push(("csrf", &s.csrf));
        let r = ui.post(&triage, Some(&s), &form).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    }
    let p = ui.get(&page, Some(&s)).await;
    // Newest first: the status change, the unassigning, the assignment.
    let details: Vec<String> = rows_of(&p.body, "events")
        .into_iter()
        .filter(|r| r[1] == "beoordeling")
        .map(|r| r[4].clone())
        .collect();
    assert_eq!(details.len(), 3, "{details:?}");
    assert_eq!(details[0], "status: in onderzoek", "{details:?}");
    assert_eq!(details[1], "toewijzing opgeheven", "{details:?}");
    assert!(details[2].contains("team: Peelland"), "{details:?}");
    // The event says so (additively: `assigned_team` stays null).
    let events = ui
        .engine
        .cluster_history(&fraudlink::cluster::ClusterId::new(cluster.clone()))
        .unwrap();
    let triage: Vec<&serde_json::Value> = events
        .iter()
        .filter(|e| e.kind == "triage")
        .map(|e| &e.detail)
        .collect();
    assert_eq!(triage[1]["unassigned"], true);
    assert!(triage[1]["assigned_team"].is_null());
    assert!(triage[2].get("unassigned").is_none(), "{}", triage[2]);
    // In English too.
    let p = ui
        .get_with(&page, Some(&s), &[(header::ACCEPT_LANGUAGE, "en")])
        .await;
    assert!(section(&p.body, "events", "</table>").contains("assignment removed"));
}

// See: issue 22 (review). The fast-growing side list keeps to the view
// the main list shows: open and unassigned by default.
#[tokio::test]
async fn issue_22_the_growing_list_follows_the_open_and_unassigned_view() {
    let ui = Ui::new();
    // Three new clusters of two reports each, filed after the fixtures:
    // each grew by two this fortnight.
    let mut lines = Vec::new();
    for (n, iban) in [
        "NL20INGB0001234567",
        "NL39RABO0300065264",
        "NL02ABNA0123456789",
    ]
    .into_iter()
    .enumerate()
    {
        for day in [1, 2] {
            lines.push(
                serde_json::json!({
                    "id": format!("2026-UTR-99{n}{day:03}"),
                    "filed_at": format!("2026-12-0{day}T10:00:00+01:00"),
                    "unit": "Midden-Nederland",
                    "team": "Utrecht-Centrum",
                    "fraud_type": "marketplace",
                    "narrative": format!("Ik heb betaald aan {iban} voor een fiets en niets gekregen."),
                })
                .to_string(),
            );
        }
    }
    ui.engine.ingest_lines("test", &lines).unwrap();
    ui.engine.rebuild("test").unwrap();
    let s = ui.sign_in("coordinator").await;
    let growing = |body: &str| -> Vec<String> {
        rows_of(body, "growing")
            .into_iter()
            .map(|r| r[0].clone())
            .collect()
    };
    let before = growing(&ui.get("/", Some(&s)).await.body);
    assert!(
        before.len() >= 3,
        "the fixtures have growing clusters: {before:?}"
    );
    let (closed, handed, assigned) = (&before[0], &before[1], &before[2]);
    for (id, status, team) in [
        (closed, "closed", None),
        (handed, "handed_over", None),
        (assigned, "triaged", Some("Peelland")),
    ] {
        triage(&ui.engine, id, Some(status), team);
    }
    let open = growing(&ui.get("/", Some(&s)).await.body);
    for id in [closed, handed, assigned] {
        assert!(
            !open.contains(id),
            "{id} is not open and unassigned: {open:?}"
        );
    }
    assert_eq!(open, before[3..].to_vec());
    // Every cluster when all are shown.
    let all = growing(&ui.get("/?view=all", Some(&s)).await.body);
    assert_eq!(all, before);
}

// See: issue 22 (review). The identifier look-up is in every role's menu,
// and without a question it shows its form.
#[tokio::test]
async fn issue_22_the_menu_leads_to_the_identifier_lookup_and_its_form() {
    let ui = Ui::new();
    for role in ["intake", "analyst", "coordinator", "admin"] {
        let s = ui.sign_in(role).await;
        let p = ui.get("/check", Some(&s)).await;
        let nav = section(&p.body, "nav-identifiers", "</a>");
        assert!(nav.contains("href=\"/identifiers\""), "{role}: {nav}");
        assert!(nav.ends_with(">Gegeven opzoeken"), "{role}: {nav}");
        assert!(!nav.contains("class=\"here\""), "{role}: {nav}");
        let p = ui.get("/identifiers", Some(&s)).await;
        assert_eq!(p.status, StatusCode::OK, "{role}: {}", p.body);
        let nav = section(&p.body, "nav-identifiers", "</a>");
        assert!(
            nav.contains("class=\"here\""),
            "{role}: marked as here: {nav}"
        );
        assert!(
            p.body
                .contains("<form method=\"get\" action=\"/identifiers\"")
        );
        assert!(p.body.contains("<select name=\"kind\">"));
        assert!(p.body.contains("name=\"value\""));
    }
    let s = ui.sign_in("analyst").await;
    let p = ui
        .get_with("/", Some(&s), &[(header::ACCEPT_LANGUAGE, "en")])
        .await;
    assert!(section(&p.body, "nav-identifiers", "</a>").ends_with(">Look up an identifier"));
}

// See: issue 22 (review). The access log on the admin page is filtered
// by action, chosen from the actions the log records.
#[tokio::test]
async fn issue_22_the_access_log_is_filtered_by_action() {
    let ui = Ui::new();
    let analyst = ui.sign_in("analyst").await;
    let cluster = ui.cluster_of("2026-AMS-000101");
    ui.get(&format!("/clusters/{cluster}"), Some(&analyst))
        .await;
    ui.get("/search?q=rekening", Some(&analyst)).await;
    let admin = ui.sign_in("admin").await;
    let p = ui.get("/admin", Some(&admin)).await;
    // Every action the log records is a choice, in Dutch.
    let select = section(&p.body, "action-filter", "</select>");
    assert_eq!(
        select.matches("<option value=\"").count(),
        fraudlink::access::ACTIONS.len() + 1,
        "{select}"
    );
    assert!(
        select.contains("<option value=\"read_cluster\" >cluster ingezien</option>"),
        "{select}"
    );
    let p = ui.get("/admin?action=read_cluster", Some(&admin)).await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    let select = section(&p.body, "action-filter", "</select>");
    assert!(
        select.contains("<option value=\"read_cluster\" selected>"),
        "{select}"
    );
    let rows = rows_of(&p.body, "access-log");
    assert!(!rows.is_empty());
    assert!(rows.iter().all(|r| r[3] == "cluster ingezien"), "{rows:?}");
    assert!(rows.iter().any(|r| r[4].contains(&cluster)), "{rows:?}");
    let all = rows_of(&ui.get("/admin", Some(&admin)).await.body, "access-log");
    assert!(all.iter().any(|r| r[3] == "gezocht"), "{all:?}");
    // With the other filters.
    let p = ui
        .get("/admin?action=read_cluster&from=2999-01-01", Some(&admin))
        .await;
    assert!(p.body.contains("Geen regels met deze filters."));
    // An action not in the list is refused, naming it.
    let p = ui.get("/admin?action=drop_tables", Some(&admin)).await;
    assert_eq!(p.status, StatusCode::BAD_REQUEST);
    assert!(p.body.contains("drop_tables"), "{}", p.body);
    // The read of the log records the filter.
    let reads = ui.audit("audit");
    assert!(
        reads
            .iter()
            .any(|r| r.targets["filter"]["action"] == "read_cluster"),
        "{reads:?}"
    );
}

// See: issue 22 (review). The graph's days are days in Amsterdam: a report
// filed at 00:30 on 1 March, Amsterdam time (23:30 UTC on 28 February), is
// one of 1 March.
#[tokio::test]
async fn issue_22_the_graphs_days_are_days_in_amsterdam() {
    let ui = Ui::new();
    let report = |id: &str, filed_at: &str| {
        serde_json::json!({
            "id": id,
            "filed_at": filed_at,
            "unit": "Midden-Nederland",
            "team": "Utrecht-Centrum",
            "fraud_type": "marketplace",
            "narrative": "Ik heb betaald aan NL02 ABNA 0123 4567 89 voor een fiets en niets gekregen.",
        })
        .to_string()
    };
    let lines = [
        report("2026-UTR-990001", "2026-02-28T12:00:00+01:00"),
        report("2026-UTR-990002", "2026-03-01T00:30:00+01:00"),
        report("2026-UTR-990003", "2026-03-01T12:00:00+01:00"),
    ];
    ui.engine.ingest_lines("test", &lines).unwrap();
    ui.engine.rebuild("test").unwrap();
    let cluster = ui.cluster_of("2026-UTR-990001");
    assert_eq!(cluster, ui.cluster_of("2026-UTR-990003"), "one cluster");
    let s = ui.sign_in("analyst").await;
    let window =
        |from: &str, to: &str| format!("/clusters/{cluster}?graph=identifiers&from={from}&to={to}");
    let p = ui.get(&window("1-3-2026", "1-3-2026"), Some(&s)).await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(
        p.body.contains("2 van 2 aangiftes vallen eronder"),
        "the 00:30 report and the noon one: {}",
        section(&p.body, "cluster-graph", "</svg>")
    );
    let p = ui.get(&window("28-2-2026", "28-2-2026"), Some(&s)).await;
    assert!(
        p.body.contains("0 van 1 aangifte vallen eronder"),
        "the 28th's only"
    );
    // The API's days are the same days.
    let api = ui
        .get_with(
            &format!(
                "/api/v1/clusters/{cluster}/graph?view=identifiers&from=2026-03-01&to=2026-03-01"
            ),
            None,
            &[
                (
                    header::AUTHORIZATION,
                    &format!("Bearer {}", ui.tokens["analyst"]),
                ),
                (
                    header::HeaderName::from_static("x-fraudlink-reason"),
                    "zaak 7",
                ),
            ],
        )
        .await;
    assert_eq!(api.status, StatusCode::OK, "{}", api.body);
    let v: serde_json::Value = serde_json::from_str(&api.body).unwrap();
    assert_eq!(v["reports"], 2, "{v}");
}

// See: issue 23. A report pushed a moment ago is found by an intake
// officer's check before the clusters are linked again: the page says so,
// names the cluster it joins, and the access log names that cluster.
#[tokio::test]
async fn issue_23_a_check_finds_a_report_pushed_a_moment_ago_before_it_is_linked() {
    let ui = Ui::new();
    let cluster = ui.cluster_of("2026-AMS-000101");
    let iban = linking_iban(&ui.engine, &cluster);
    let line = utrecht_report(
        "2026-UTR-990201",
        &format!("Betaald aan {iban}; daarna belde 06 8765 0456 mij."),
        serde_json::json!([]),
    );
    ui.engine.ingest_lines("test", &[line.to_string()]).unwrap();

    let s = ui.sign_in("intake").await;
    let form = [
        ("csrf", s.csrf.as_str()),
        ("narrative", "Hij belde met 0687650456."),
    ];
    let p = ui.post("/check", Some(&s), &form).await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    assert!(
        p.body.contains("Geen bekend cluster gevonden."),
        "not linked yet"
    );
    assert!(p.body.contains("id=\"pending\""), "{}", p.body);
    assert!(
        p.body.contains(&format!("Verwant cluster: {cluster}.")),
        "{}",
        p.body
    );
    let row = &ui.audit("check")[0];
    assert!(
        row.targets["clusters"].to_string().contains(&cluster),
        "{:?}",
        row.targets
    );
    // Linked: a match like any other, nothing pending.
    ui.engine.rebuild("test").unwrap();
    let p = ui.post("/check", Some(&s), &form).await;
    assert!(!p.body.contains("id=\"pending\""));
    assert!(p.body.contains(&format!("/clusters/{cluster}")));
}

// See: issue 23. A report pushed a moment ago is on the page of the
// cluster whose identifier it names before the re-cluster links it, with
// the identifier they share; the access log names it among the reports
// shown; once linked it is a member like the others.
#[tokio::test]
async fn issue_23_a_cluster_page_lists_a_report_pushed_a_moment_ago_before_it_is_linked() {
    let ui = Ui::new();
    let cluster = ui.cluster_of("2026-AMS-000101");
    let iban = linking_iban(&ui.engine, &cluster);
    let line = utrecht_report(
        "2026-UTR-990301",
        &format!("Ik heb betaald aan {iban} en niets ontvangen."),
        serde_json::json!([]),
    );
    ui.engine.ingest_lines("test", &[line.to_string()]).unwrap();

    let s = ui.sign_in("analyst").await;
    let path = format!("/clusters/{cluster}");
    let p = ui.get(&path, Some(&s)).await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    let section = p
        .body
        .split("id=\"pending-members\"")
        .nth(1)
        .unwrap_or_else(|| panic!("no pending section: {}", p.body));
    assert!(section.contains("dit cluster: 1 aangifte."), "{section}");
    assert!(
        section.contains("<a href=\"/reports/2026-UTR-990301\">"),
        "{section}"
    );
    assert!(
        section.contains(&format!("<code>IBAN {iban}</code>")),
        "{section}"
    );
    // Like every identifier on the page, it opens its pivot.
    assert!(
        section.contains(&format!(
            r#"href="/identifiers?kind=iban&#38;value={iban}""#
        )),
        "{section}"
    );
    let row = &ui.audit("read_cluster")[0];
    assert!(
        row.targets["pending_reports"]
            .to_string()
            .contains("2026-UTR-990301"),
        "{:?}",
        row.targets
    );

    ui.engine.rebuild("test").unwrap();
    let p = ui.get(&path, Some(&s)).await;
    assert!(!p.body.contains("id=\"pending-members\""), "{}", p.body);
    assert!(p.body.contains("<a href=\"/reports/2026-UTR-990301\">"));
}

#[tokio::test]
async fn a_large_clusters_page_logs_the_reports_of_its_table_page_not_all_of_them() {
    let ui = Ui::new();
    // 150 reports paying one IBAN: drawn by identifier, 100 a table page.
    let lines: Vec<String> = (0..150)
        .map(|n| {
            serde_json::json!({
                "id": format!("2026-UTR-97{n:04}"),
                "filed_at": format!("2026-11-{:02}T10:{:02}:00+01:00", 1 + n % 28, n % 60),
                "unit": "Midden-Nederland",
                "team": "Utrecht-Centrum",
                "fraud_type": "marketplace",
                "narrative": format!(
                    "Ik heb betaald aan NL20INGB0001234567 voor een fiets en niets gekregen. \
                     Hij mailde van verkoper{n}a@gmail.com, verkoper{n}b@gmail.com, \
                     verkoper{n}c@gmail.com en verkoper{n}d@gmail.com."
                ),
            })
            .to_string()
        })
        .collect();
    ui.engine.ingest_lines("test", &lines).unwrap();
    ui.engine.rebuild("test").unwrap();
    let cluster = ui.cluster_of("2026-UTR-970000");
    let s = ui.sign_in("analyst").await;
    let named = |body: &str| -> Vec<String> {
        let mut ids: Vec<String> = body
            .split("<a href=\"/reports/")
            .skip(1)
            .filter_map(|rest| rest.split('"').next())
            .filter(|id| id.starts_with("2026-UTR-97"))
            .map(str::to_owned)
            .collect();
        ids.sort();
        ids.dedup();
        ids
    };
    let identifiers = {
        let state = ui.engine.state();
        let c = state
            .clusters()
            .iter()
            .find(|c| c.cluster_id.as_str() == cluster)
            .unwrap();
        state.cluster_identifiers(c).len()
    };
    assert!(identifiers > 600, "{identifiers}");
    for (query, rows) in [("", 100), ("?reports=2", 50)] {
        let p = ui
            .get(&format!("/clusters/{cluster}{query}"), Some(&s))
            .await;
        assert_eq!(p.status, StatusCode::OK);
        // Over 600 identifiers: the table lists the 500 most named, and
        // says how many it leaves out.
        let table = p.body.split("id=\"ident-list\"").nth(1).unwrap();
        let table = table.split("</table>").next().unwrap();
        assert_eq!(table.matches("<tr>").count(), 1 + 500, "header and rows");
        assert!(table.contains("NL20INGB0001234567"), "the most named first");
        assert!(
            p.body.contains(&format!(
                "En nog {} gegevens, die door minder aangiftes worden genoemd",
                identifiers - 500
            )),
            "{}",
            p.body
        );
        let on_page = named(&p.body);
        assert_eq!(on_page.len(), rows, "{query}");
        let row = &ui.audit("read_cluster")[0];
        let mut logged: Vec<String> = row.targets["reports"]
            .as_array()
            .unwrap_or_else(|| panic!("{:?}", row.targets))
            .iter()
            .map(|r| r.as_str().unwrap().to_owned())
            .collect();
        logged.sort();
        assert_eq!(
            logged, on_page,
            "{query}: the log names what the page shows"
        );
    }
    // The report-level drawing names every report: so does the log.
    let p = ui
        .get(
            &format!("/clusters/{cluster}?graph=reports&expand=all"),
            Some(&s),
        )
        .await;
    assert_eq!(p.status, StatusCode::OK);
    let row = &ui.audit("read_cluster")[0];
    assert_eq!(row.targets["reports"].as_array().unwrap().len(), 150);
}

#[tokio::test]
async fn the_reports_a_decision_list_names_are_in_the_access_log() {
    let ui = Ui::new();
    // A report linked to a report of another cluster by hand.
    let a = "2026-AMS-000101";
    let home = ui.cluster_of(a);
    let b = ui
        .engine
        .state()
        .clusters()
        .iter()
        .find(|c| c.cluster_id.as_str() != home)
        .map(|c| c.report_ids[0].to_string())
        .expect("the fixtures have more than one cluster");
    let b = b.as_str();
    ui.engine
        .decide(
            a,
            b,
            fraudlink::engine::Decision::Confirm,
            "analyst",
            "zelfde dader volgens het proces-verbaal",
        )
        .unwrap();
    let mut both = [a, b];
    both.sort_unstable();
    let s = ui.sign_in("analyst").await;
    let p = ui.get("/suggestions", Some(&s)).await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(
        p.body.contains(a) && p.body.contains(b),
        "the list shows them"
    );
    let row = &ui.audit("suggestions")[0];
    assert_eq!(
        row.targets["decision_reports"],
        serde_json::json!(both),
        "{:?}",
        row.targets
    );
    let cluster = ui.cluster_of(a);
    let p = ui.get(&format!("/clusters/{cluster}"), Some(&s)).await;
    assert_eq!(p.status, StatusCode::OK);
    let row = &ui.audit("read_cluster")[0];
    assert_eq!(row.targets["decision_reports"], serde_json::json!(both));
}
