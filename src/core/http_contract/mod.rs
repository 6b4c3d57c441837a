//! The HTTP contract every layer answers by: the route table, field validation, paging, the
//! two parts of a URL edgebeat reads, Prometheus exposition, and the check of openapi.json.

#[cfg(test)]
mod openapi_contract;
pub mod paging;
pub mod prometheus;
pub mod routes;
pub mod url_parts;
pub mod validation;
