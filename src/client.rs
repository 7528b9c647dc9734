//! The remote client: `--server URL --token T` makes the CLI's `check`,
//! `ingest`, `search` and `cluster show` talk to a running service instead
//! of a local store (a basisteam's terminal and the national instance).

use std::io::{BufRead, Write};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use serde_json::Value;

/// Lines per push; each push is acknowledged once stored.
const PUSH_LINES: usize = 1000;

/// A connection to a fraudlink service.
pub struct Client {
    base: String,
    token: String,
    /// Sent as `X-Fraudlink-Reason` (reads of report data require it).
    reason: Option<String>,
    http: reqwest::Client,
    runtime: tokio::runtime::Runtime,
}

impl Client {
    /// A client for `server` (e.g. `http://127.0.0.1:8080`) with a token
    /// and the purpose of its reads.
    pub fn new(server: &str, token: &str, reason: Option<&str>) -> Result<Client> {
        let base = server
            .trim_end_matches('/')
            .trim_end_matches("/api/v1")
            .to_owned();
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .context("building the HTTP client")?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("starting the async runtime")?;
        Ok(Client {
            base,
            token: token.trim().to_owned(),
            reason: reason.map(str::to_owned),
            http,
            runtime,
        })
    }

    fn send(&self, req: reqwest::RequestBuilder) -> Result<Value> {
        // From bytes: a purpose may be UTF-8 beyond ASCII (the server
        // reads the header as UTF-8).
        let req = match &self.reason {
            Some(r) => req.header(
                crate::api::REASON_HEADER,
                reqwest::header::HeaderValue::from_bytes(r.as_bytes())
                    .context("the --reason cannot be sent as a header (a line break?)")?,
            ),
            None => req,
        };
        self.runtime.block_on(async {
            let res = req
                .bearer_auth(&self.token)
                .send()
                .await
                .context("the server did not answer")?;
            let status = res.status();
            let text = res.text().await.context("reading the answer")?;
            let body: Value = serde_json::from_str(&text).unwrap_or(Value::String(text));
            if !status.is_success() {
                bail!(
                    "server answered {status}: {} ({})",
                    body["error"],
                    body["detail"]
                );
            }
            Ok(body)
        })
    }

    /// `POST /api/v1/check` with one report object.
    pub fn check(&self, report: &Value) -> Result<Value> {
        self.send(
            self.http
                .post(format!("{}/api/v1/check", self.base))
                .json(report),
        )
    }

    /// `GET /api/v1/search` with query parameters.
    pub fn search(&self, params: &[(&str, String)]) -> Result<Value> {
        self.send(
            self.http
                .get(format!("{}/api/v1/search", self.base))
                .query(params),
        )
    }

    /// `GET /api/v1/clusters/{id}`.
    pub fn cluster(&self, id: &str) -> Result<Value> {
        let id = url::form_urlencoded::byte_serialize(id.as_bytes()).collect::<String>();
        self.send(self.http.get(format!("{}/api/v1/clusters/{id}", self.base)))
    }

    /// Pushes NDJSON in chunks; each chunk's answer is reported to
    /// `on_chunk` (the acknowledgement). Returns (accepted, updated,
    /// unchanged, rejected) over all chunks.
    pub fn push(
        &self,
        input: impl BufRead,
        mut on_chunk: impl FnMut(usize, &Value),
    ) -> Result<[u64; 4]> {
        let mut totals = [0u64; 4];
        let mut chunk = String::new();
        let mut lines = 0;
        let mut first_line = 1;
        let mut flush = |chunk: &mut String, first_line: usize| -> Result<()> {
            let answer = self.send(
                self.http
                    .post(format!("{}/api/v1/reports", self.base))
                    .header("content-type", "application/x-ndjson")
                    .body(std::mem::take(chunk)),
            )?;
            for (i, key) in ["accepted", "updated", "unchanged", "rejected"]
                .iter()
                .enumerate()
            {
                totals[i] += answer[key].as_u64().unwrap_or(0);
            }
            on_chunk(first_line, &answer);
            Ok(())
        };
        for line in input.lines() {
            let line = line.context("reading the input")?;
            chunk.push_str(&line);
            chunk.push('\n');
            lines += 1;
            if lines % PUSH_LINES == 0 {
                flush(&mut chunk, first_line)?;
                first_line = lines + 1;
            }
        }
        if !chunk.trim().is_empty() {
            flush(&mut chunk, first_line)?;
        }
        Ok(totals)
    }
}

/// Prints a JSON value as one line.
pub fn print_line(out: &mut dyn Write, v: &Value) -> Result<()> {
    serde_json::to_writer(&mut *out, v)?;
    writeln!(out)?;
    Ok(())
}
