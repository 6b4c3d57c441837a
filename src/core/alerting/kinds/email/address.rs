//! What one email recipient may be.

/// RFC 5321's longest path, and its longest local part.
const MAX_ADDRESS: usize = 254;
const MAX_LOCAL_PART: usize = 64;

/// A plain addr-spec, `local@domain.tld`: no display name, no comments, no quoting, none of
/// the characters that separate or wrap addresses in a header (`< > , ; " ( ) [ ] \ :`), no
/// white space or control character; one `@`; a domain of dot-separated labels with at least
/// one dot. What a mail API and a MIME `To:` header both take as one recipient, nothing more.
pub fn is_mail_address(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    let plain = |c: char| {
        !c.is_control()
            && !c.is_whitespace()
            && !matches!(
                c,
                '<' | '>' | ',' | ';' | '"' | '(' | ')' | '[' | ']' | '\\' | ':' | '@'
            )
    };
    s.chars().count() <= MAX_ADDRESS
        && !local.is_empty()
        && local.chars().count() <= MAX_LOCAL_PART
        && local.chars().all(plain)
        && domain.contains('.')
        && domain
            .split('.')
            .all(|label| !label.is_empty() && label.chars().all(|c| c.is_alphanumeric() || c == '-'))
}
