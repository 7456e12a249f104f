//! The OpenAPI 3.1 document of the HTTP server, generated from the Rust request and response
//! types with `schemars`, so that it describes exactly what serde reads and writes.

use nhikit_target::wire::Operation;
use nhikit_target::*;
use schemars::JsonSchema;
use schemars::generate::{SchemaGenerator, SchemaSettings};
use serde_json::{Map, Value, json};

/// The HTTP statuses an operation may answer with a `TargetError` body.
const ERROR_STATUSES: [(&str, &str); 9] = [
    (
        "400",
        "invalid_request: the body is not JSON, or an item is invalid (`item` names it)",
    ),
    (
        "404",
        "not_found: no such person or household (on that date)",
    ),
    ("409", "conflict: the event contradicts the state held"),
    (
        "413",
        "invalid_request: the body is larger than the server's limit",
    ),
    (
        "415",
        "invalid_request: the content type is not application/json",
    ),
    (
        "422",
        "import_rejected, not_insured, no_rates or rules: the request is well formed but refused",
    ),
    ("500", "io or storage: the target failed"),
    ("503", "storage: the request timed out"),
    ("405", "invalid_request: the method is not POST"),
];

fn generator(serialize: bool) -> SchemaGenerator {
    let settings = SchemaSettings::draft2020_12().with(|s| {
        s.definitions_path = "/components/schemas".into();
        s.meta_schema = None;
    });
    if serialize {
        settings.for_serialize().into_generator()
    } else {
        settings.for_deserialize().into_generator()
    }
}

/// The request schema (`de`, as deserialized) and response schema (`ser`, as serialized) of
/// `op`, as `$ref`s into the generators' definitions.
fn op_schemas(
    op: Operation,
    de: &mut SchemaGenerator,
    ser: &mut SchemaGenerator,
) -> (Value, Value) {
    fn pair<Q: JsonSchema, R: JsonSchema>(
        de: &mut SchemaGenerator,
        ser: &mut SchemaGenerator,
    ) -> (Value, Value) {
        (
            de.subschema_for::<Q>().to_value(),
            ser.subschema_for::<R>().to_value(),
        )
    }
    match op {
        Operation::Import => pair::<ImportRequest, ImportResponse>(de, ser),
        Operation::Export => pair::<ExportRequest, ExportResponse>(de, ser),
        Operation::RegisterEvent => pair::<EventRequest, EventResponse>(de, ser),
        Operation::LookupPerson => pair::<PersonQuery, PersonResponse>(de, ser),
        Operation::LookupHousehold => pair::<HouseholdQuery, HouseholdResponse>(de, ser),
        Operation::Assess => pair::<AssessRequest, AssessResponse>(de, ser),
        Operation::HighCostLimit => pair::<HighCostRequest, HighCostResponse>(de, ser),
        Operation::CopayRatio => pair::<CopayRequest, CopayResponse>(de, ser),
        Operation::IssueCertificate => pair::<CertificateRequest, CertificateResponse>(de, ser),
        Operation::Reset => {
            pair::<nhikit_target::ResetRequest, nhikit_target::ResetResponse>(de, ser)
        }
    }
}

fn summary(op: Operation) -> &'static str {
    match op {
        Operation::Import => {
            "Bulk import (一括取込) of a dataset directory or of files, all or nothing"
        }
        Operation::Export => "Write everything held in the standard CSV layouts",
        Operation::RegisterEvent => "資格取得 / 資格喪失 / 変更 of one person",
        Operation::LookupPerson => {
            "A person by 地方公共団体コード + 宛名番号, or by 個人番号, as of a date"
        }
        Operation::LookupHousehold => "A household and its members as of a date",
        Operation::Assess => "A household's premium for a fiscal year, per part",
        Operation::HighCostLimit => "高額療養費 of one household's service month",
        Operation::CopayRatio => "負担割合 of a held person on a date",
        Operation::IssueCertificate => "The items of a 資格確認書",
        Operation::Reset => "Test hook: remove every record held (not a standard-spec operation)",
    }
}

fn json_content(schema: Value) -> Value {
    json!({ "application/json": { "schema": schema } })
}

/// The OpenAPI 3.1 document: `POST /v1/<op>` for every [`Operation`] with its request and
/// response schemas, every error status with the `TargetError` schema, `GET /health` and
/// `GET /openapi.json`. Schemas are JSON Schema 2020-12 under `components/schemas`; a request
/// schema describes what the server accepts, a response schema what it writes.
pub fn openapi() -> Value {
    let mut de = generator(false);
    let mut ser = generator(true);
    let error = ser.subschema_for::<TargetError>().to_value();
    let mut paths = Map::new();
    for op in Operation::ALL {
        let (request, response) = op_schemas(op, &mut de, &mut ser);
        let mut responses = Map::new();
        responses.insert(
            "200".into(),
            json!({ "description": format!("the {op} response"), "content": json_content(response) }),
        );
        for (status, description) in ERROR_STATUSES {
            responses.insert(
                status.into(),
                json!({ "description": description, "content": json_content(error.clone()) }),
            );
        }
        paths.insert(
            op.http_path(),
            json!({ "post": {
                "operationId": op.name(),
                "summary": summary(op),
                "requestBody": { "required": true, "content": json_content(request) },
                "responses": responses,
            }}),
        );
    }
    paths.insert(
        "/health".into(),
        json!({ "get": {
            "operationId": "health",
            "summary": "Liveness: answers `ok`",
            "responses": { "200": {
                "description": "the server is up",
                "content": { "text/plain": { "schema": { "type": "string", "const": "ok" } } }
            }}
        }}),
    );
    paths.insert(
        "/openapi.json".into(),
        json!({ "get": {
            "operationId": "openapi",
            "summary": "This document",
            "responses": { "200": {
                "description": "the OpenAPI 3.1 document",
                "content": { "application/json": { "schema": { "type": "object" } } }
            }}
        }}),
    );
    // Request types are only deserialized and response types only serialized, so the two
    // sets of definitions share no name with a different meaning (a test checks it); where a
    // name is in both, the definitions are the same.
    let mut schemas = ser.take_definitions(true);
    for (name, schema) in de.take_definitions(true) {
        schemas.entry(name).or_insert(schema);
    }
    json!({
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "info": {
            "title": "nhikit target interface",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "The operations of a standard-spec NHI system (標準仕様書準拠システム) as served by `nhikit serve`: POST /v1/<operation> with the request as the JSON body. Errors are TargetError JSON. See docs/target-interface.md.",
        },
        "paths": paths,
        "components": { "schemas": schemas },
    })
}

/// The definitions that the request side and the response side generate differently under
/// one name (should be none).
#[cfg(test)]
pub(crate) fn conflicting_definitions() -> Vec<String> {
    let mut de = generator(false);
    let mut ser = generator(true);
    ser.subschema_for::<TargetError>();
    for op in Operation::ALL {
        op_schemas(op, &mut de, &mut ser);
    }
    let ser = ser.take_definitions(true);
    de.take_definitions(true)
        .into_iter()
        .filter(|(name, schema)| ser.get(name).is_some_and(|s| s != schema))
        .map(|(name, _)| name)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_and_response_definitions_do_not_conflict() {
        assert_eq!(conflicting_definitions(), Vec::<String>::new());
    }

    #[test]
    fn every_operation_has_a_path_and_every_ref_resolves() {
        let doc = openapi();
        for op in Operation::ALL {
            assert!(
                doc["paths"][op.http_path()]["post"]["requestBody"].is_object(),
                "{op}"
            );
        }
        fn refs(v: &Value, out: &mut Vec<String>) {
            match v {
                Value::Object(m) => {
                    if let Some(Value::String(r)) = m.get("$ref") {
                        out.push(r.clone());
                    }
                    m.values().for_each(|v| refs(v, out));
                }
                Value::Array(a) => a.iter().for_each(|v| refs(v, out)),
                _ => {}
            }
        }
        let mut all = Vec::new();
        refs(&doc, &mut all);
        assert!(all.len() > 20);
        for r in all {
            let name = r.strip_prefix("#/components/schemas/").unwrap_or_default();
            assert!(
                doc["components"]["schemas"][name].is_object(),
                "dangling $ref {r}"
            );
        }
    }
}
