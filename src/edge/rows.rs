//! Reading the rows a statement returns, from D1 and from an object's SQLite, each through its
//! type's `FromRow` (`row_fields`).

use serde::Deserialize;
use wasm_bindgen::JsValue;
use worker::wasm_bindgen_futures::JsFuture;
use worker::{D1PreparedStatement, D1Result, Error, Result, SqlCursor};

use crate::edge::row_fields::{wrong_column, Column, FromRow};

/// A statement's rows, each read as `T`.
pub trait Rows {
    fn rows<T: FromRow>(self) -> Result<Vec<T>>;

    /// The one row the statement returns (an error when it returns none).
    fn one_row<T: FromRow>(self) -> Result<T>
    where
        Self: Sized,
    {
        self.rows()?
            .into_iter()
            .next()
            .ok_or_else(|| Error::RustError("expected a row, found none".into()))
    }
}

/// A row as D1 returns it, untouched.
#[derive(Deserialize)]
struct RawRow(#[serde(with = "serde_wasm_bindgen::preserve")] JsValue);

impl Rows for &D1Result {
    fn rows<T: FromRow>(self) -> Result<Vec<T>> {
        read_each(d1_values(self)?)
    }
}

impl Rows for SqlCursor {
    fn rows<T: FromRow>(self) -> Result<Vec<T>> {
        read_each(cursor_values(self)?)
    }
}

// The rows gathered by code that is not generic, then each read in a plain loop: an iterator
// collected into a `Result<Vec<T>>` instantiates its adapters for every row type.
fn d1_values(result: &D1Result) -> Result<Vec<JsValue>> {
    Ok(result.results::<RawRow>()?.into_iter().map(|row| row.0).collect())
}

fn cursor_values(cursor: SqlCursor) -> Result<Vec<JsValue>> {
    cursor.collect()
}

fn read_each<T: FromRow>(values: Vec<JsValue>) -> Result<Vec<T>> {
    let mut rows = Vec::with_capacity(values.len());
    for value in values {
        rows.push(T::from_row(&value)?);
    }
    Ok(rows)
}

/// D1's `first`: the statement's first row, or one column of it.
pub trait FirstRow {
    async fn first_row<T: FromRow>(&self) -> Result<Option<T>>;
    async fn first_value<T: Column>(&self, column: &str) -> Result<Option<T>>;
}

impl FirstRow for D1PreparedStatement {
    async fn first_row<T: FromRow>(&self) -> Result<Option<T>> {
        let row = JsFuture::from(self.inner().first(None)?).await?;
        if row.is_null_or_undefined() {
            return Ok(None);
        }
        T::from_row(&row).map(Some)
    }

    async fn first_value<T: Column>(&self, column: &str) -> Result<Option<T>> {
        let value = JsFuture::from(self.inner().first(Some(column))?).await?;
        Option::<T>::from_value(value).ok_or_else(|| wrong_column(column))
    }
}
