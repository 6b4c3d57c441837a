//! Which of a project's monitors a listing shows and how it pages: the filters (status, tag,
//! a search in the name), the keyset cursor that continues after a monitor, and what the
//! answer includes beside the monitors (their 24-hour strips, the project's tags).

use crate::core::heartbeat::monitor::MAX_TAG_CHARS;
use crate::core::http_contract::validation::{check_text, line_text, Checked, FieldError, TextRule};

/// The statuses a listing filters by: the machine's, and `paused`/`maintenance` as shown.
pub const STATUSES: [&str; 8] = [
    "new",
    "up",
    "grace",
    "failing",
    "down",
    "started",
    "paused",
    "maintenance",
];

/// The longest name search (a monitor's name is at most 200 characters).
pub const MAX_SEARCH_CHARS: usize = 200;
/// The most tags an answer's `tags` lists.
pub const MAX_TAGS_LISTED: i64 = 500;

/// What a listing asked for besides its page.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Include {
    /// Each monitor's last 24 hours, hour by hour, as its statistic counts them.
    pub strips: bool,
    /// Every tag the project's monitors carry (the choices of a tag filter).
    pub tags: bool,
}

/// Where a keyset page starts: after the monitor created at `created_at` with `id` (the
/// listing's order is `created_at, id`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub created_at: i64,
    pub id: String,
}

impl Cursor {
    /// The opaque text a client sends back as `cursor`.
    pub fn encode(&self) -> String {
        format!("{}_{}", self.created_at, self.id)
    }

    /// Whether the cursor comes before the monitor created at `created_at` with `id`.
    pub fn precedes(&self, created_at: i64, id: &str) -> bool {
        (self.created_at, self.id.as_str()) < (created_at, id)
    }

    pub fn parse(raw: &str) -> Checked<Cursor> {
        let invalid = || FieldError::new("cursor", "must be a next_cursor from a previous page");
        let (at, id) = raw.split_once('_').ok_or_else(invalid)?;
        if at.is_empty() || at.len() > 16 || !at.bytes().all(|b| b.is_ascii_digit()) || !is_uuid(id) {
            return Err(invalid());
        }
        let created_at = at.parse().map_err(|_| invalid())?;
        Ok(Cursor {
            created_at,
            id: id.to_ascii_lowercase(),
        })
    }
}

fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

/// `status=`: one of `STATUSES`.
pub fn parse_status(raw: Option<&str>) -> Checked<Option<String>> {
    match raw {
        None => Ok(None),
        Some(s) if STATUSES.contains(&s) => Ok(Some(s.to_string())),
        Some(_) => Err(FieldError::new(
            "status",
            "must be one of new, up, grace, failing, down, started, paused, maintenance",
        )),
    }
}

/// `tag=`: one tag, as a monitor's tags are written.
pub fn parse_tag(raw: Option<&str>) -> Checked<Option<String>> {
    raw.map(|t| line_text("tag", t, MAX_TAG_CHARS)).transpose()
}

/// `q=`: text the monitor's name contains; blank means no search. The length counts the
/// text as sent, as openapi.json's `maxLength` does.
pub fn parse_search(raw: Option<&str>) -> Checked<Option<String>> {
    let Some(q) = raw else { return Ok(None) };
    if q.chars().count() > MAX_SEARCH_CHARS {
        return Err(FieldError::new(
            "q",
            format!("must be at most {MAX_SEARCH_CHARS} characters"),
        ));
    }
    check_text("q", TextRule::Line, q)?;
    Ok(Some(q.trim().to_string()).filter(|q| !q.is_empty()))
}

/// `include=strips,tags`: one or two of `strips` and `tags`, comma-separated.
pub fn parse_include(raw: Option<&str>) -> Checked<Include> {
    let mut include = Include::default();
    let Some(raw) = raw else { return Ok(include) };
    let invalid = || FieldError::new("include", "must be strips, tags, or both comma-separated");
    let parts: Vec<&str> = raw.split(',').collect();
    if parts.len() > 2 {
        return Err(invalid());
    }
    for part in parts {
        match part {
            "strips" => include.strips = true,
            "tags" => include.tags = true,
            _ => return Err(invalid()),
        }
    }
    Ok(include)
}

/// `cursor=`: a keyset page (a numbered `page` then does not apply).
pub fn parse_cursor(raw: Option<&str>) -> Checked<Option<Cursor>> {
    raw.map(Cursor::parse).transpose()
}

/// What a name is searched for: the search with ASCII letters folded to lower case, as
/// SQLite's `lower()` folds the name (`instr`, not `LIKE`: D1 caps a `LIKE` pattern at 50
/// bytes, and `%` or `_` in a search then stand for themselves with no escaping).
pub fn name_needle(search: &str) -> String {
    search.to_ascii_lowercase()
}

/// Of `fetched` rows (asked for one more than `limit`), the page and whether more follow.
pub fn cut_page<T>(mut fetched: Vec<T>, limit: usize) -> (Vec<T>, bool) {
    let more = fetched.len() > limit;
    fetched.truncate(limit);
    (fetched, more)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";

    #[test]
    fn a_cursor_reads_back_as_encoded() {
        let c = Cursor {
            created_at: 1_733_240_000_123,
            id: ID.into(),
        };
        assert_eq!(Cursor::parse(&c.encode()).unwrap(), c);
    }

    #[test]
    fn a_malformed_cursor_is_refused_on_its_field() {
        for raw in [
            "",
            "_",
            "12",
            "12_",
            "x_",
            "12_not-a-uuid",
            "-1_0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b",
            "99999999999999999_0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b",
        ] {
            assert_eq!(Cursor::parse(raw).unwrap_err().field, "cursor", "{raw}");
        }
    }

    #[test]
    fn a_cursor_takes_a_time_of_up_to_sixteen_digits() {
        let sixteen = format!("{}_{ID}", "9".repeat(16));
        assert_eq!(Cursor::parse(&sixteen).unwrap().created_at, 9_999_999_999_999_999);
        let seventeen = format!("{}_{ID}", "1".repeat(17));
        assert_eq!(Cursor::parse(&seventeen).unwrap_err().field, "cursor");
    }

    #[test]
    fn a_cursor_precedes_later_monitors_only() {
        let c = Cursor {
            created_at: 5,
            id: ID.into(),
        };
        assert!(c.precedes(6, "0"));
        assert!(c.precedes(5, "f"));
        assert!(!c.precedes(5, ID));
        assert!(!c.precedes(4, "f"));
    }

    #[test]
    fn no_cursor_is_the_first_page() {
        assert_eq!(parse_cursor(None).unwrap(), None);
        assert_eq!(parse_cursor(Some(&format!("5_{ID}"))).unwrap().unwrap().created_at, 5);
    }

    #[test]
    fn status_is_one_of_the_shown_statuses() {
        assert_eq!(parse_status(Some("paused")).unwrap().as_deref(), Some("paused"));
        assert_eq!(parse_status(None).unwrap(), None);
        assert_eq!(parse_status(Some("sleeping")).unwrap_err().field, "status");
    }

    #[test]
    fn include_lists_strips_and_tags() {
        assert_eq!(parse_include(None).unwrap(), Include::default());
        assert_eq!(
            parse_include(Some("tags,strips")).unwrap(),
            Include {
                strips: true,
                tags: true
            }
        );
        assert!(parse_include(Some("strips")).unwrap().strips);
        for raw in ["", "strips,pings", "strips, tags", "strips,tags,strips", ","] {
            assert_eq!(parse_include(Some(raw)).unwrap_err().field, "include", "{raw:?}");
        }
    }

    #[test]
    fn a_blank_search_is_no_search_and_a_long_one_is_refused() {
        assert_eq!(parse_search(Some("  ")).unwrap(), None);
        assert_eq!(parse_search(Some(" backup ")).unwrap().as_deref(), Some("backup"));
        assert_eq!(
            parse_search(Some(&"a".repeat(200))).unwrap().unwrap().len(),
            200,
            "the limit itself"
        );
        assert_eq!(parse_search(Some(&"a".repeat(201))).unwrap_err().field, "q");
        assert_eq!(
            parse_search(Some(&format!("{} ", "a".repeat(200)))).unwrap_err().field,
            "q",
            "counted as sent"
        );
        assert_eq!(parse_search(Some("a\u{0}b")).unwrap_err().field, "q");
    }

    #[test]
    fn a_search_folds_ascii_letters_only_as_sqlite_lower_does() {
        assert_eq!(name_needle("DB_Backup%"), "db_backup%");
        assert_eq!(name_needle("ÉTÉ"), "ÉtÉ");
    }

    #[test]
    fn a_page_knows_whether_more_follow() {
        assert_eq!(cut_page(vec![1, 2, 3], 2), (vec![1, 2], true));
        assert_eq!(cut_page(vec![1, 2], 2), (vec![1, 2], false));
    }
}
