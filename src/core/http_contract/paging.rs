//! `page` and `limit` query parameters: page >= 1, limit 1..=max.

use crate::core::http_contract::validation::{Checked, FieldError};

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

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    fn number_like() -> impl Strategy<Value = Option<String>> {
        prop::option::of(prop_oneof![
            any::<String>(),
            " ?[+-]?[0-9]{0,20} ?",
            any::<i64>().prop_map(|n| n.to_string())
        ])
    }

    proptest! {
        #[test]
        fn any_query_is_a_page_in_bounds_or_an_error(page in number_like(), limit in number_like(), max in 1i64..=10_000) {
            match parse_page(page.as_deref(), limit.as_deref(), max, max) {
                Ok(p) => {
                    prop_assert!((1..=1_000_000).contains(&p.page) && (1..=max).contains(&p.limit));
                    prop_assert!(p.offset() >= 0 && p.offset() < 1_000_000 * max);
                }
                Err(e) => prop_assert!(e.field == "page" || e.field == "limit"),
            }
        }

        #[test]
        fn a_written_page_parses_back(page in 1i64..=1_000_000, limit in 1i64..=100) {
            let parsed = parse_page(Some(&page.to_string()), Some(&limit.to_string()), 50, 100);
            prop_assert_eq!(parsed.clone(), Ok(Page { page, limit }));
            prop_assert_eq!(parsed.unwrap().offset(), (page - 1) * limit);
        }
    }
}
