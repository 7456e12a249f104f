//! Target profiles (`*.toml`): the kind of adapter and its settings. Every error names the
//! file, the line and column, the key and the reason (from toml's spans).

use crate::AdapterError;
use crate::template::{self, Template};
use nhikit_target::ErrorCode;
use nhikit_target::wire::Operation;
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;
use toml::Spanned;

/// The kind of a target profile (`kind = "…"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// JSON over HTTP(S), with a mapping of each operation.
    Http,
    /// A child process speaking the process protocol on stdin/stdout.
    Process,
    /// A file-based system driven by commands, requests and responses in files.
    Files,
    /// The in-process reference.
    Builtin,
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Kind::Http => "http",
            Kind::Process => "process",
            Kind::Files => "files",
            Kind::Builtin => "builtin",
        })
    }
}

/// A loaded, checked profile.
#[derive(Debug)]
pub(crate) enum Profile {
    Builtin {
        db: Option<PathBuf>,
        faults: Vec<String>,
    },
    Http(Box<HttpProfile>),
    Process(crate::process::ProcessConfig),
    Files(Box<crate::files::FilesConfig>),
}

impl Profile {
    pub(crate) fn kind(&self) -> Kind {
        match self {
            Profile::Builtin { .. } => Kind::Builtin,
            Profile::Http(_) => Kind::Http,
            Profile::Process(_) => Kind::Process,
            Profile::Files(_) => Kind::Files,
        }
    }

    /// Reads and checks the profile at `path`; relative paths in it are taken from its folder.
    pub(crate) fn load(path: &Path) -> Result<Profile, AdapterError> {
        let text = std::fs::read_to_string(path).map_err(|e| AdapterError::Profile {
            file: path.to_owned(),
            line: 0,
            column: 0,
            key: "profile".into(),
            reason: format!("cannot read: {e}"),
        })?;
        let dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_owned();
        let ctx = Ctx {
            file: path,
            text: &text,
            dir: &dir,
        };
        let head: Head = ctx.parse()?;
        match head.kind.into_inner() {
            Kind::Builtin => {
                let raw: RawBuiltin = ctx.parse()?;
                Ok(Profile::Builtin {
                    db: raw.db.map(|d| dir.join(d)),
                    faults: raw.faults,
                })
            }
            Kind::Http => Ok(Profile::Http(Box::new(ctx.http()?))),
            Kind::Process => Ok(Profile::Process(ctx.process()?)),
            Kind::Files => Ok(Profile::Files(Box::new(ctx.files()?))),
        }
    }
}

/// An HTTP method of a mapping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub(crate) enum Method {
    #[serde(rename = "GET", alias = "get")]
    Get,
    #[serde(rename = "POST", alias = "post")]
    Post,
    #[serde(rename = "PUT", alias = "put")]
    Put,
    #[serde(rename = "PATCH", alias = "patch")]
    Patch,
    #[serde(rename = "DELETE", alias = "delete")]
    Delete,
}

impl Method {
    /// The method as sent.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }
}

/// Where the request goes in an HTTP call.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Body {
    /// The whole request JSON.
    Request,
    /// No body (the fields go in the path and the query).
    None,
    /// A JSON template with placeholders.
    Template(Value),
}

/// The query parameters of an HTTP call.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Query {
    /// Every scalar top-level request field not used in the path (for `body = "none"`).
    Auto,
    /// These parameters, each a template (a parameter whose field is absent is left out).
    Explicit(Vec<(String, Template)>),
}

/// How error responses map back to [`nhikit_target::TargetError`]s.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ErrorMapping {
    /// JSON pointer to the error code (a [`ErrorCode`] name or a key of `codes`).
    pub code: String,
    /// JSON pointer to the item blamed.
    pub item: String,
    /// JSON pointer to the message.
    pub message: String,
    /// JSON pointer to the rejections of an import.
    pub rejections: String,
    /// The vendor's codes.
    pub codes: BTreeMap<String, ErrorCode>,
    /// HTTP status → code, when the body has no code.
    pub status: BTreeMap<u16, ErrorCode>,
}

impl Default for ErrorMapping {
    fn default() -> ErrorMapping {
        ErrorMapping {
            code: "/code".into(),
            item: "/item".into(),
            message: "/message".into(),
            rejections: "/rejections".into(),
            codes: BTreeMap::new(),
            status: BTreeMap::new(),
        }
    }
}

/// The mapping of one operation onto an HTTP call.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct OpMapping {
    pub method: Method,
    pub path: Template,
    pub body: Body,
    pub query: Query,
    /// JSON pointer to the response inside the body (`""`: the whole body).
    pub response: String,
    pub errors: ErrorMapping,
}

impl OpMapping {
    /// `nhikit serve`'s route: `POST /v1/<op>` with the request as the body.
    pub(crate) fn default_for(op: Operation, errors: &ErrorMapping) -> OpMapping {
        OpMapping {
            method: Method::Post,
            path: Template::literal(&op.http_path()),
            body: Body::Request,
            query: Query::Explicit(Vec::new()),
            response: String::new(),
            errors: errors.clone(),
        }
    }
}

/// A header value: literal, or read from an environment variable (a secret).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum HeaderSource {
    Literal(String),
    Env { name: String, key: String },
}

/// A checked HTTP profile.
#[derive(Debug, Clone)]
pub(crate) struct HttpProfile {
    pub base_url: String,
    pub timeout: Option<Duration>,
    pub ca_file: Option<PathBuf>,
    pub client_cert: Option<PathBuf>,
    pub client_key: Option<PathBuf>,
    pub token_env: Option<String>,
    pub headers: Vec<(String, HeaderSource)>,
    pub proxy_from_env: bool,
    /// `transfer = "archive"`: import and export carry the data (nhikit's upload/download
    /// protocol) instead of naming paths on the target.
    pub archive: bool,
    pub ops: BTreeMap<Operation, OpMapping>,
}

/// How import and export reach the data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Transfer {
    /// The request names paths the target can read and write (a shared disk).
    #[default]
    Paths,
    /// The data travels in the request and the answer (an archive upload and download).
    Archive,
}

// ---------------------------------------------------------------------------------------------
// raw TOML

#[derive(Deserialize)]
struct Head {
    kind: Spanned<Kind>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBuiltin {
    #[allow(dead_code)]
    kind: Kind,
    db: Option<String>,
    #[serde(default)]
    faults: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHttp {
    #[allow(dead_code)]
    kind: Kind,
    base_url: Spanned<String>,
    timeout_secs: Option<Spanned<f64>>,
    #[serde(default)]
    tls: RawTls,
    token_env: Option<String>,
    #[serde(default)]
    headers: BTreeMap<String, Spanned<RawHeader>>,
    #[serde(default)]
    proxy_from_env: bool,
    #[serde(default)]
    transfer: Transfer,
    #[serde(default)]
    errors: RawErrors,
    #[serde(default)]
    ops: BTreeMap<Operation, RawOp>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawTls {
    ca_file: Option<String>,
    client_cert: Option<Spanned<String>>,
    client_key: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawHeader {
    Literal(String),
    Env { env: String },
}

#[derive(Deserialize, Default, Clone)]
#[serde(deny_unknown_fields)]
struct RawErrors {
    code: Option<Spanned<String>>,
    item: Option<Spanned<String>>,
    message: Option<Spanned<String>>,
    rejections: Option<Spanned<String>>,
    #[serde(default)]
    codes: BTreeMap<String, ErrorCode>,
    status: Option<Spanned<BTreeMap<String, ErrorCode>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOp {
    method: Option<Method>,
    path: Option<Spanned<String>>,
    body: Option<Spanned<toml::Value>>,
    query: Option<BTreeMap<String, Spanned<String>>>,
    response: Option<Spanned<String>>,
    errors: Option<RawErrors>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProcess {
    #[allow(dead_code)]
    kind: Kind,
    command: Spanned<Vec<String>>,
    cwd: Option<String>,
    #[serde(default)]
    env: BTreeMap<String, String>,
    #[serde(default)]
    stderr: crate::process::StderrMode,
    timeout_secs: Option<Spanned<f64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFiles {
    #[allow(dead_code)]
    kind: Kind,
    exchange_dir: String,
    cwd: Option<String>,
    command: Option<Spanned<Vec<String>>>,
    #[serde(default)]
    ops: BTreeMap<Operation, RawFilesOp>,
    #[serde(default)]
    vars: BTreeMap<String, String>,
    #[serde(default)]
    keep_files: bool,
    timeout_secs: Option<Spanned<f64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFilesOp {
    command: Spanned<Vec<String>>,
}

// ---------------------------------------------------------------------------------------------
// checking

struct Ctx<'a> {
    file: &'a Path,
    text: &'a str,
    dir: &'a Path,
}

impl Ctx<'_> {
    fn parse<T: serde::de::DeserializeOwned>(&self) -> Result<T, AdapterError> {
        toml::from_str(self.text).map_err(|e| {
            let span = e.span().unwrap_or(0..0);
            let key = self
                .text
                .get(span.clone())
                .map(|s| crate::snippet(s.lines().next().unwrap_or(""), 60))
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| "profile".into());
            self.error(span, &key, e.message().trim())
        })
    }

    fn error(&self, span: Range<usize>, key: &str, reason: &str) -> AdapterError {
        let before = self.text.get(..span.start).unwrap_or(self.text);
        let line = before.matches('\n').count() + 1;
        let column = before
            .rsplit('\n')
            .next()
            .map(|l| l.chars().count())
            .unwrap_or(0)
            + 1;
        AdapterError::Profile {
            file: self.file.to_owned(),
            line,
            column,
            key: key.to_owned(),
            reason: reason.to_owned(),
        }
    }

    fn timeout(&self, t: Option<Spanned<f64>>) -> Result<Option<Duration>, AdapterError> {
        match t {
            None => Ok(None),
            Some(t) => {
                let secs = *t.get_ref();
                if secs.is_finite() && secs > 0.0 && secs < 1e9 {
                    Ok(Some(Duration::from_secs_f64(secs)))
                } else {
                    Err(self.error(
                        t.span(),
                        "timeout_secs",
                        "expected a positive number of seconds",
                    ))
                }
            }
        }
    }

    fn template(&self, s: &Spanned<String>, key: &str) -> Result<Template, AdapterError> {
        Template::parse(s.get_ref()).map_err(|r| self.error(s.span(), key, &r))
    }

    fn pointer(
        &self,
        s: &Option<Spanned<String>>,
        key: &str,
    ) -> Result<Option<String>, AdapterError> {
        match s {
            None => Ok(None),
            Some(p) if p.get_ref().is_empty() || p.get_ref().starts_with('/') => {
                Ok(Some(p.get_ref().clone()))
            }
            Some(p) => Err(self.error(
                p.span(),
                key,
                "expected a JSON pointer: empty (the whole body) or starting with `/`, e.g. `/data`",
            )),
        }
    }

    fn errors(
        &self,
        raw: &RawErrors,
        base: &ErrorMapping,
        key: &str,
    ) -> Result<ErrorMapping, AdapterError> {
        let mut m = base.clone();
        if let Some(p) = self.pointer(&raw.code, &format!("{key}.code"))? {
            m.code = p;
        }
        if let Some(p) = self.pointer(&raw.item, &format!("{key}.item"))? {
            m.item = p;
        }
        if let Some(p) = self.pointer(&raw.message, &format!("{key}.message"))? {
            m.message = p;
        }
        if let Some(p) = self.pointer(&raw.rejections, &format!("{key}.rejections"))? {
            m.rejections = p;
        }
        m.codes
            .extend(raw.codes.iter().map(|(k, v)| (k.clone(), *v)));
        if let Some(status) = &raw.status {
            for (k, v) in status.get_ref() {
                match k.parse::<u16>() {
                    Ok(s) if (100..600).contains(&s) => {
                        m.status.insert(s, *v);
                    }
                    _ => {
                        return Err(self.error(
                            status.span(),
                            &format!("{key}.status.{k}"),
                            "expected an HTTP status between 100 and 599 as the key",
                        ));
                    }
                }
            }
        }
        Ok(m)
    }

    fn http(&self) -> Result<HttpProfile, AdapterError> {
        let raw: RawHttp = self.parse()?;
        let base = raw.base_url.get_ref().trim_end_matches('/').to_owned();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(self.error(
                raw.base_url.span(),
                "base_url",
                "expected an URL starting with `http://` or `https://`",
            ));
        }
        let errors = self.errors(&raw.errors, &ErrorMapping::default(), "errors")?;
        let mut ops = BTreeMap::new();
        for op in Operation::ALL {
            ops.insert(op, OpMapping::default_for(op, &errors));
        }
        for (op, r) in &raw.ops {
            let key = format!("ops.{op}");
            let mut m = OpMapping::default_for(*op, &errors);
            if let Some(method) = r.method {
                m.method = method;
            }
            if let Some(path) = &r.path {
                if !path.get_ref().starts_with('/') {
                    return Err(self.error(
                        path.span(),
                        &format!("{key}.path"),
                        "expected a path starting with `/`, e.g. `/persons/{lgcode}/{address_number}`",
                    ));
                }
                m.path = self.template(path, &format!("{key}.path"))?;
            }
            if let Some(body) = &r.body {
                m.body = match body.get_ref() {
                    toml::Value::String(s) if s == "request" => Body::Request,
                    toml::Value::String(s) if s == "none" => Body::None,
                    toml::Value::Table(t) => {
                        let v = serde_json::to_value(t).map_err(|e| {
                            self.error(body.span(), &format!("{key}.body"), &e.to_string())
                        })?;
                        template::check_json(&v)
                            .map_err(|e| self.error(body.span(), &format!("{key}.body"), &e))?;
                        Body::Template(v)
                    }
                    _ => {
                        return Err(self.error(
                            body.span(),
                            &format!("{key}.body"),
                            "expected `\"request\"` (the whole request), `\"none\"`, or a table \
                             (a JSON template with `{field}` placeholders)",
                        ));
                    }
                };
            }
            m.query = match &r.query {
                Some(q) => {
                    let mut params = Vec::new();
                    for (name, t) in q {
                        params.push((
                            name.clone(),
                            self.template(t, &format!("{key}.query.{name}"))?,
                        ));
                    }
                    Query::Explicit(params)
                }
                None if m.body == Body::None => Query::Auto,
                None => Query::Explicit(Vec::new()),
            };
            if let Some(p) = self.pointer(&r.response, &format!("{key}.response"))? {
                m.response = p;
            }
            if let Some(e) = &r.errors {
                m.errors = self.errors(e, &errors, &format!("{key}.errors"))?;
            }
            ops.insert(*op, m);
        }
        let (client_cert, client_key) = match (&raw.tls.client_cert, &raw.tls.client_key) {
            (Some(c), Some(k)) => (
                Some(self.dir.join(c.get_ref())),
                Some(self.dir.join(k.get_ref())),
            ),
            (None, None) => (None, None),
            (Some(c), None) => {
                return Err(self.error(
                    c.span(),
                    "tls.client_cert",
                    "a client certificate needs `tls.client_key` too",
                ));
            }
            (None, Some(k)) => {
                return Err(self.error(
                    k.span(),
                    "tls.client_key",
                    "a client key needs `tls.client_cert` too",
                ));
            }
        };
        let mut headers = Vec::new();
        for (name, h) in raw.headers {
            let valid = !name.is_empty()
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
            if !valid {
                return Err(self.error(
                    h.span(),
                    &format!("headers.{name}"),
                    "not a valid HTTP header name",
                ));
            }
            let src = match h.into_inner() {
                RawHeader::Literal(v) => HeaderSource::Literal(v),
                RawHeader::Env { env } => HeaderSource::Env {
                    name: env,
                    key: format!("headers.{name}.env"),
                },
            };
            headers.push((name, src));
        }
        Ok(HttpProfile {
            base_url: base,
            timeout: self.timeout(raw.timeout_secs)?,
            ca_file: raw.tls.ca_file.map(|f| self.dir.join(f)),
            client_cert,
            client_key,
            token_env: raw.token_env,
            headers,
            proxy_from_env: raw.proxy_from_env,
            archive: raw.transfer == Transfer::Archive,
            ops,
        })
    }

    fn process(&self) -> Result<crate::process::ProcessConfig, AdapterError> {
        let raw: RawProcess = self.parse()?;
        if raw.command.get_ref().is_empty() {
            return Err(self.error(
                raw.command.span(),
                "command",
                "expected the program and its arguments, e.g. [\"python3\", \"testee.py\"]",
            ));
        }
        let mut argv = raw.command.into_inner();
        argv[0] = program_path(&argv[0], self.dir);
        Ok(crate::process::ProcessConfig {
            argv,
            cwd: raw.cwd.map(|c| self.dir.join(c)),
            env: raw.env,
            stderr: raw.stderr,
            timeout: self
                .timeout(raw.timeout_secs)?
                .unwrap_or(crate::DEFAULT_TIMEOUT),
        })
    }

    fn files(&self) -> Result<crate::files::FilesConfig, AdapterError> {
        let raw: RawFiles = self.parse()?;
        let argv = |c: &Spanned<Vec<String>>, key: &str| -> Result<Vec<Template>, AdapterError> {
            if c.get_ref().is_empty() {
                return Err(self.error(c.span(), key, "expected the program and its arguments"));
            }
            let mut out = Vec::new();
            for (i, a) in c.get_ref().iter().enumerate() {
                let a = if i == 0 {
                    program_path(a, self.dir)
                } else {
                    a.clone()
                };
                out.push(Template::parse(&a).map_err(|r| self.error(c.span(), key, &r))?);
            }
            Ok(out)
        };
        let command = raw
            .command
            .as_ref()
            .map(|c| argv(c, "command"))
            .transpose()?;
        let mut ops = BTreeMap::new();
        for (op, o) in &raw.ops {
            ops.insert(*op, argv(&o.command, &format!("ops.{op}.command"))?);
        }
        if command.is_none() && ops.is_empty() {
            return Err(self.error(
                0..0,
                "command",
                "a files profile needs a `command` (for every operation) or `[ops.<op>] command`",
            ));
        }
        Ok(crate::files::FilesConfig {
            exchange_dir: self.dir.join(raw.exchange_dir),
            cwd: raw.cwd.map(|c| self.dir.join(c)),
            profile_dir: self.dir.to_owned(),
            command,
            ops,
            vars: raw.vars,
            keep_files: raw.keep_files,
            timeout: self
                .timeout(raw.timeout_secs)?
                .unwrap_or(crate::DEFAULT_TIMEOUT),
        })
    }
}

/// A program named with a `/` but not absolute is taken from `dir` (the profile's folder); a
/// bare name is looked up in `PATH` as usual.
fn program_path(program: &str, dir: &Path) -> String {
    let p = Path::new(program);
    if program.contains('/') && p.is_relative() {
        dir.join(p).display().to_string()
    } else {
        program.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<Profile, AdapterError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.toml");
        std::fs::write(&path, text).unwrap();
        Profile::load(&path)
    }

    fn err(text: &str) -> String {
        match load(text) {
            Ok(p) => panic!("accepted: {p:?}"),
            Err(e) => {
                let s = e.to_string();
                // file:line:col: key: reason
                let after = s.split_once("t.toml:").unwrap().1;
                after.to_owned()
            }
        }
    }

    #[test]
    fn errors_name_line_column_key_and_reason() {
        assert_eq!(
            err("kind = \"http\"\nbase_url = \"ftp://x\"\n"),
            "2:12: base_url: expected an URL starting with `http://` or `https://`"
        );
        let e =
            err("kind = \"http\"\nbase_url = \"http://x\"\n[ops.lookup_persn]\nmethod = \"GET\"\n");
        assert!(e.starts_with("3:"), "{e}");
        assert!(e.contains("lookup_person"), "{e}");
        let e =
            err("kind = \"http\"\nbase_url = \"http://x\"\n[ops.assess]\npath = \"/a/{lgcode\"\n");
        assert!(e.starts_with("4:8: ops.assess.path: unclosed"), "{e}");
        let e = err(
            "kind = \"http\"\nbase_url = \"http://x\"\n[errors.status]\n\"abc\" = \"not_found\"\n",
        );
        assert!(e.contains("errors.status.abc"), "{e}");
        let e =
            err("kind = \"http\"\nbase_url = \"http://x\"\n[errors.status]\n404 = \"missing\"\n");
        assert!(e.starts_with("4:"), "{e}");
        assert!(e.contains("not_found"), "{e}");
        let e = err("kind = \"telnet\"\n");
        assert!(e.starts_with("1:8:"), "{e}");
        let e = err("kind = \"process\"\ncommand = []\n");
        assert!(e.starts_with("2:11: command:"), "{e}");
        let e = err("kind = \"process\"\ncommand = [\"x\"]\nbase_url = \"http://x\"\n");
        assert!(e.starts_with("3:1: base_url: unknown field"), "{e}");
        let e = err("kind = \"files\"\nexchange_dir = \"x\"\n");
        assert!(e.contains("command"), "{e}");
        let e = err("kind = \"http\"\nbase_url = \"http://x\"\ntimeout_secs = -1\n");
        assert!(e.starts_with("3:16: timeout_secs:"), "{e}");
        let e =
            err("kind = \"http\"\nbase_url = \"http://x\"\n[ops.assess]\nresponse = \"data\"\n");
        assert!(
            e.starts_with("4:12: ops.assess.response: expected a JSON pointer"),
            "{e}"
        );
        let e = err("kind = \"http\"\nbase_url = \"http://x\"\n[tls]\nclient_cert = \"c.pem\"\n");
        assert!(e.contains("tls.client_cert"), "{e}");
        let e = err("kind = \"http\"\nbase_url = \"http://x\"\n[ops.assess]\nbody = 3\n");
        assert!(e.starts_with("4:8: ops.assess.body:"), "{e}");
        let missing = load_missing();
        assert!(missing.contains("cannot read"), "{missing}");
    }

    /// Every TOML example of docs/adapters.md is a profile that loads.
    #[test]
    fn docs_examples_load() {
        let doc = include_str!("../../../docs/adapters.md");
        let mut blocks = 0;
        let mut rest = doc;
        while let Some(start) = rest.find("```toml\n") {
            let body = &rest[start + 8..];
            let end = body.find("```").unwrap();
            if let Err(e) = load(&body[..end]) {
                panic!(
                    "docs/adapters.md example {}: {e}\n{}",
                    blocks + 1,
                    &body[..end]
                );
            }
            blocks += 1;
            rest = &body[end..];
        }
        assert_eq!(blocks, 4);
        let example = include_str!("../../../examples/files-reference/reference.toml");
        assert!(matches!(load(example).unwrap(), Profile::Files(_)));
    }

    fn load_missing() -> String {
        Profile::load(Path::new("/nonexistent/x.toml"))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default()
    }

    #[test]
    fn http_mapping_is_read() {
        let p = load(
            r#"
kind = "http"
base_url = "http://127.0.0.1:9/api/"
token_env = "VENDOR_TOKEN"
headers = { "X-Tenant" = "131016", "X-Key" = { env = "VENDOR_KEY" } }
[errors]
code = "/error/code"
codes = { E404 = "not_found" }
status = { 404 = "not_found", 503 = "storage" }
[ops.lookup_person]
method = "GET"
path = "/persons/{lgcode}/{address_number}"
body = "none"
response = "/data"
[ops.assess]
body = { city = "{lgcode}", year = "{fiscal_year}" }
query = { v = "2" }
"#,
        )
        .unwrap();
        let Profile::Http(p) = p else {
            panic!("not http")
        };
        assert_eq!(p.base_url, "http://127.0.0.1:9/api");
        assert_eq!(p.token_env.as_deref(), Some("VENDOR_TOKEN"));
        assert_eq!(p.headers.len(), 2);
        let lp = &p.ops[&Operation::LookupPerson];
        assert_eq!(lp.method, Method::Get);
        assert_eq!(lp.body, Body::None);
        assert_eq!(lp.query, Query::Auto);
        assert_eq!(lp.response, "/data");
        assert_eq!(lp.errors.code, "/error/code");
        assert_eq!(lp.errors.status.get(&503), Some(&ErrorCode::Storage));
        let a = &p.ops[&Operation::Assess];
        assert_eq!(a.method, Method::Post);
        assert!(matches!(a.body, Body::Template(_)));
        let imp = &p.ops[&Operation::Import];
        assert_eq!(imp.path.fields().count(), 0);
        assert_eq!(imp.body, Body::Request);
    }
}
