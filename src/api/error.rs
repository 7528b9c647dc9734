//! `ApiError`: every failure a handler can return, as an HTTP answer with
//! a JSON body `{"error", "detail"}`. Bad input is a 4xx with a message for
//! the caller; anything else is a bare 500 whose cause is logged once.

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::api::wire::ErrorBody;

/// A failed request.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: the request is malformed.
    #[error("bad request: {0}")]
    BadRequest(String),
    /// 401: no token, or not a valid one.
    #[error("unauthorised")]
    Unauthorised,
    /// 403: the role does not allow it.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// 404: no such thing.
    #[error("not found: {0}")]
    NotFound(String),
    /// 413: the body is larger than the configured limit.
    #[error("payload too large")]
    TooLarge,
    /// 413: a field of the body is larger than the settings allow
    /// (`[limits]`); the message names the field and the setting.
    #[error("payload too large: {0}")]
    OverLimit(String),
    /// 415: a JSON body not sent as `application/json`.
    #[error("unsupported media type")]
    UnsupportedMediaType,
    /// 422: well-formed but not acceptable.
    #[error("unprocessable: {0}")]
    Unprocessable(String),
    /// 503: too many requests wait for this kind of work; answered at
    /// once with `Retry-After`, rather than after the time limit.
    #[error("busy")]
    Busy,
    /// 503: the service is starting and has not built its clusters yet
    /// (`api::starting`).
    #[error("starting")]
    Starting,
    /// 500: a bug or an outage; the cause is logged, not shown.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// A use case's failure as the API answers it: not found is a 404, an
/// invalid field a 422 naming the field, anything else a 500.
impl From<crate::engine::EngineError> for ApiError {
    fn from(e: crate::engine::EngineError) -> ApiError {
        use crate::engine::EngineError as E;
        match e {
            E::NotFound { .. } => ApiError::NotFound(e.to_string()),
            E::Invalid { .. } => ApiError::Unprocessable(e.to_string()),
            E::Starting => ApiError::Starting,
            E::Internal(e) => ApiError::Internal(e),
        }
    }
}

/// Seconds a refused caller is asked to wait (`Retry-After`).
pub const RETRY_AFTER_SECS: u64 = 1;

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, error, detail) = match &self {
            ApiError::BadRequest(d) => (StatusCode::BAD_REQUEST, "bad request", json!(d)),
            ApiError::Unauthorised => (
                StatusCode::UNAUTHORIZED,
                "unauthorised",
                json!("send a valid token as `Authorization: Bearer <token>`"),
            ),
            ApiError::Forbidden(d) => (StatusCode::FORBIDDEN, "forbidden", json!(d)),
            ApiError::NotFound(d) => (StatusCode::NOT_FOUND, "not found", json!(d)),
            ApiError::TooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload too large",
                json!("the body exceeds the configured limit"),
            ),
            ApiError::OverLimit(d) => {
                (StatusCode::PAYLOAD_TOO_LARGE, "payload too large", json!(d))
            }
            ApiError::Busy => {
                let body = ErrorBody {
                    error: "busy".into(),
                    detail: json!(
                        "too many requests wait for this kind of work; try again shortly"
                    ),
                };
                return (
                    StatusCode::SERVICE_UNAVAILABLE,
                    [(header::RETRY_AFTER, RETRY_AFTER_SECS.to_string())],
                    Json(body),
                )
                    .into_response();
            }
            ApiError::Starting => {
                let body = ErrorBody {
                    error: "starting".into(),
                    detail: json!(
                        "the service is starting and builds its clusters from the store; \
                         try again after Retry-After seconds"
                    ),
                };
                return (
                    StatusCode::SERVICE_UNAVAILABLE,
                    [(
                        header::RETRY_AFTER,
                        crate::api::starting::STARTING_RETRY_AFTER_SECS.to_string(),
                    )],
                    Json(body),
                )
                    .into_response();
            }
            ApiError::UnsupportedMediaType => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported media type",
                json!("send the body as `Content-Type: application/json`"),
            ),
            ApiError::Unprocessable(d) => {
                (StatusCode::UNPROCESSABLE_ENTITY, "unprocessable", json!(d))
            }
            ApiError::Internal(err) => {
                tracing::error!(error = format!("{err:#}"), "request failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal error",
                    serde_json::Value::Null,
                )
            }
        };
        let body = ErrorBody {
            error: error.into(),
            detail,
        };
        (status, Json(body)).into_response()
    }
}

impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> ApiError {
        match r {
            JsonRejection::BytesRejection(b) if b.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                ApiError::TooLarge
            }
            JsonRejection::JsonDataError(e) => ApiError::Unprocessable(e.body_text()),
            other => ApiError::BadRequest(other.body_text()),
        }
    }
}

impl From<QueryRejection> for ApiError {
    fn from(r: QueryRejection) -> ApiError {
        ApiError::BadRequest(r.body_text())
    }
}

impl From<PathRejection> for ApiError {
    fn from(r: PathRejection) -> ApiError {
        ApiError::BadRequest(r.body_text())
    }
}
