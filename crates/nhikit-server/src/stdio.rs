//! The process protocol (`docs/adapter-protocol.md`): JSON Lines requests in, one reply line
//! per request out, in order.

use nhikit_target::wire::{ProcessReply, ProcessRequest, dispatch};
use nhikit_target::{Target, TargetError};
use serde_json::Value;
use std::io::{self, BufRead, Write};

/// Reads [`ProcessRequest`] lines from `input` until end of file and answers each with one
/// [`ProcessReply`] line on `output`, in order, flushing after each line.
///
/// A blank line is skipped. A line that is not a valid request (not UTF-8, not JSON, a missing
/// or unknown field, an unknown operation) gets an `invalid_request` reply carrying the line's
/// `id` when one can be read (else 0), and the loop goes on. Only I/O errors on `input` or
/// `output` end it early.
pub fn serve_stdio<T: Target + ?Sized>(
    target: &T,
    mut input: impl BufRead,
    mut output: impl Write,
) -> io::Result<()> {
    let mut line = Vec::new();
    let mut number: u64 = 0;
    loop {
        line.clear();
        if input.read_until(b'\n', &mut line)? == 0 {
            return Ok(());
        }
        number += 1;
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let reply = answer(target, &line, number);
        let mut text = serde_json::to_vec(&reply).map_err(io::Error::other)?;
        text.push(b'\n');
        output.write_all(&text)?;
        output.flush()?;
    }
}

/// The reply to one request line (line `number`, 1-based, of the input).
fn answer<T: Target + ?Sized>(target: &T, line: &[u8], number: u64) -> ProcessReply {
    let value: Value = match serde_json::from_slice(line) {
        Ok(v) => v,
        Err(e) => {
            return ProcessReply::new(
                0,
                Err(TargetError::invalid(
                    "line",
                    format!("input line {number} is not JSON: {e}"),
                )),
            );
        }
    };
    let id = value.get("id").and_then(Value::as_u64).unwrap_or(0);
    if let Some(op) = value.get("op").and_then(Value::as_str)
        && let Err(e) = op.parse::<nhikit_target::wire::Operation>()
    {
        return ProcessReply::new(
            id,
            Err(TargetError::invalid(
                "op",
                format!("input line {number}: {}", e.message),
            )),
        );
    }
    match serde_json::from_value::<ProcessRequest>(value) {
        Ok(request) => ProcessReply::new(request.id, dispatch(target, request.op, request.request)),
        Err(e) => ProcessReply::new(
            id,
            Err(TargetError::invalid(
                "line",
                format!(
                    "input line {number} is not a request {{\"id\": <u64>, \"op\": <operation>, \"request\": {{…}}}}: {e}"
                ),
            )),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nhikit_target::ErrorCode;

    fn session(input: &str) -> Vec<ProcessReply> {
        let target = nhikit_reference::Reference::in_memory().unwrap_or_else(|e| panic!("{e}"));
        let mut out = Vec::new();
        serve_stdio(&target, input.as_bytes(), &mut out).unwrap_or_else(|e| panic!("{e}"));
        let text = String::from_utf8(out).unwrap_or_default();
        text.lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
            .collect()
    }

    fn code(r: &ProcessReply) -> Option<ErrorCode> {
        r.error.as_ref().map(|e| e.code)
    }

    #[test]
    fn bad_lines_get_invalid_request_replies_and_the_loop_goes_on() {
        let replies = session(concat!(
            "not json\n",
            "\n",
            "{\"id\": 5, \"op\": \"lookup\", \"request\": {}}\n",
            "{\"id\": 6, \"op\": \"assess\"}\n",
            "{\"id\": 7, \"op\": \"lookup_person\", \"request\": {\"lgcode\": \"131016\"}}\n",
            "{\"id\": 8, \"op\": \"high_cost_limit\", \"request\": {\"service_month\": \"2026-05\", \"under70_category\": \"ウ\", \"claims\": [{\"person\": \"A\", \"age_group\": \"under70\", \"setting\": \"入院\", \"medical_cost\": 1000000, \"copay\": 300000}]}}",
        ));
        let ids: Vec<u64> = replies.iter().map(|r| r.id).collect();
        assert_eq!(ids, [0, 5, 6, 7, 8]);
        for r in &replies[..4] {
            assert_eq!(code(r), Some(ErrorCode::InvalidRequest), "{r:?}");
        }
        assert_eq!(
            replies[1].error.as_ref().and_then(|e| e.item.as_deref()),
            Some("op")
        );
        // The last line has no newline and is still answered. 高額療養費 of a 区分ウ month of
        // 1,000,000 yen: 80,100 + (1,000,000 − 267,000) × 1% = 87,430 (docs/oracle.md).
        let last = replies[4]
            .response
            .as_ref()
            .map(|v| v["household_limit"].clone());
        assert_eq!(last, Some(Value::from(87_430)));
    }
}
