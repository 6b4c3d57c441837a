//! `page` and `limit` query parameters: page >= 1, limit 1..=max.

use super::validation::{Checked, FieldError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub page: i64,
    pub limit: i64,
}

impl Page {
    pub fn offset(self) -> i64 {
        (self.page - 1) * self.limit
    }
}

fn whole(field: &str, raw: &str, min: i64, max: i64) -> Checked<i64> {
    match raw.trim().parse::<i64>() {
        Ok(v) if (min..=max).contains(&v) => Ok(v),
        _ => Err(FieldError::new(
            field,
            format!("must be a whole number between {min} and {max}"),
        )),
    }
}

pub fn parse_page(page: Option<&str>, limit: Option<&str>, default_limit: i64, max_limit: i64) -> Checked<Page> {
    Ok(Page {
        page: page.map_or(Ok(1), |p| whole("page", p, 1, 1_000_000))?,
        limit: limit.map_or(Ok(default_limit), |l| whole("limit", l, 1, max_limit))?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_to_the_first_page() {
        assert_eq!(parse_page(None, None, 50, 100).unwrap(), Page { page: 1, limit: 50 });
    }

    #[test]
    fn offset_counts_whole_pages() {
        assert_eq!(parse_page(Some("3"), Some("20"), 50, 100).unwrap().offset(), 40);
    }

    #[test]
    fn rejects_out_of_range_and_non_numeric_values() {
        assert_eq!(parse_page(Some("0"), None, 50, 100).unwrap_err().field, "page");
        assert_eq!(parse_page(None, Some("101"), 50, 100).unwrap_err().field, "limit");
        assert_eq!(parse_page(None, Some("0"), 50, 100).unwrap_err().field, "limit");
        assert_eq!(parse_page(Some("two"), None, 50, 100).unwrap_err().field, "page");
        assert_eq!(parse_page(None, Some("1.5"), 50, 100).unwrap_err().field, "limit");
    }
}
