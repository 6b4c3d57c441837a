//! Escaping a user's text (monitor names, messages, tags, event names) for each target's
//! markup, so that a name can never link, mention, inject markup or break the message around
//! it. (Slack's and Google Chat's formats have no escape for `*` and `_`: there a name can
//! still show bold or italic, and nothing more.)

/// `s` with each character `entity` names replaced by that entity.
fn with_entities(s: &str, entity: fn(char) -> Option<&'static str>) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match entity(c) {
            Some(e) => out.push_str(e),
            None => out.push(c),
        }
    }
    out
}

/// The three characters Slack escapes, which HTML escapes too.
fn angle_and_amp(c: char) -> Option<&'static str> {
    match c {
        '&' => Some("&amp;"),
        '<' => Some("&lt;"),
        '>' => Some("&gt;"),
        _ => None,
    }
}

/// HTML text and attribute values (Telegram's HTML mode, Matrix `formatted_body`, email):
/// `& < > " '`.
pub fn html(s: &str) -> String {
    with_entities(s, |c| match c {
        '"' => Some("&quot;"),
        '\'' => Some("&#39;"),
        c => angle_and_amp(c),
    })
}

/// Slack's mrkdwn (also Mattermost's and Google Chat's text): Slack documents exactly three
/// characters to escape, `& < >`, which stops `<!channel>` mentions and `<url|label>` links.
pub fn slack(s: &str) -> String {
    with_entities(s, angle_and_amp)
}

/// Markdown (Discord, Teams' Adaptive Card TextBlocks, Gotify, Mattermost):
/// every ASCII punctuation character Markdown gives a meaning to is backslash-escaped, and
/// `<`/`>` too, so no autolink, HTML or mention survives; `@` is escaped as well because
/// Discord and Teams read `@everyone`-style mentions.
pub fn markdown(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(
            c,
            '\\' | '`'
                | '*'
                | '_'
                | '{'
                | '}'
                | '['
                | ']'
                | '('
                | ')'
                | '#'
                | '+'
                | '-'
                | '.'
                | '!'
                | '|'
                | '~'
                | '<'
                | '>'
                | '@'
                | '&'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// One line of at most `max` characters: newlines become spaces and a cut ends with `…`
/// (titles, summaries, subjects).
pub fn one_line(s: &str, max: usize) -> String {
    let flat: String = s
        .chars()
        .map(|c| if c == '\n' || c == '\r' || c == '\t' { ' ' } else { c })
        .collect();
    clip(&flat, max)
}

/// `s` escaped by `escape` in at most `max` characters, for a service that refuses a longer
/// field: a longer text is cut between two characters of `s`, never inside an escape (a
/// lone `\` or `&am` would change the text after it), and ends with `…`. `escape` must
/// escape character by character, as every escape here does.
pub fn escaped_within(s: &str, max: usize, escape: fn(&str) -> String) -> String {
    let whole = escape(s);
    if whole.chars().count() <= max {
        return whole;
    }
    let budget = max.saturating_sub(1);
    let mut out = String::new();
    let mut used = 0;
    let mut one = [0u8; 4];
    for c in s.chars() {
        let piece = escape(c.encode_utf8(&mut one));
        used += piece.chars().count();
        if used > budget {
            break;
        }
        out.push_str(&piece);
    }
    if max > 0 {
        out.push('…');
    }
    out
}

/// A word joiner (U+2060, invisible) after every `@`, for services that find mentions in the
/// text whatever its markup says: Mattermost reads `@channel` even behind a backslash, and
/// Telegram notifies an `@username` in a bot's message.
pub fn quiet_mentions(s: &str) -> String {
    s.replace('@', "@\u{2060}")
}

/// At most `max` characters with the lines kept (a message body a service caps): a cut ends
/// with `…`.
pub fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut cut: String = s.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_escapes_the_five_characters_and_nothing_else() {
        assert_eq!(
            html(r#"<b>"x" & 'y'</b> é"#),
            "&lt;b&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/b&gt; é"
        );
        assert_eq!(html("plain name"), "plain name");
    }

    #[test]
    fn slack_escapes_mentions_and_links() {
        assert_eq!(
            slack("<!channel> & <https://x|y>"),
            "&lt;!channel&gt; &amp; &lt;https://x|y&gt;"
        );
        assert_eq!(slack("*bold* _it_"), "*bold* _it_");
    }

    #[test]
    fn markdown_escapes_formatting_links_and_mentions() {
        assert_eq!(
            markdown("[x](http://e) **b** @everyone"),
            r"\[x\]\(http://e\) \*\*b\*\* \@everyone"
        );
        assert_eq!(markdown("a_b`c"), r"a\_b\`c");
        assert_eq!(markdown("<img>&"), r"\<img\>\&");
        assert_eq!(markdown("plain name 1"), "plain name 1");
    }

    #[test]
    fn one_line_flattens_and_cuts() {
        assert_eq!(one_line("a\nb\tc", 10), "a b c");
        assert_eq!(one_line("abcdef", 4), "abc…");
        assert_eq!(one_line("abcd", 4), "abcd");
        assert_eq!(one_line("", 0), "");
    }

    #[test]
    fn a_cut_never_splits_an_escape_and_ends_with_an_ellipsis() {
        assert_eq!(escaped_within("a<b", 10, html), "a&lt;b");
        assert_eq!(escaped_within("a<b", 6, html), "a&lt;b");
        assert_eq!(escaped_within("a<b", 5, html), "a…");
        assert_eq!(escaped_within("ab<", 5, html), "ab…");
        assert_eq!(escaped_within("a*b*c", 4, markdown), r"a\*…");
        assert_eq!(escaped_within("abc", 2, str::to_string), "a…");
        assert_eq!(escaped_within("line\nnext", 20, slack), "line\nnext");
        assert_eq!(escaped_within("abc", 0, str::to_string), "");
    }

    #[test]
    fn mentions_are_broken_by_an_invisible_joiner() {
        assert_eq!(quiet_mentions("@channel and a@b"), "@\u{2060}channel and a@\u{2060}b");
        assert_eq!(quiet_mentions("none"), "none");
    }

    #[test]
    fn clip_keeps_lines_and_cuts_with_an_ellipsis() {
        assert_eq!(clip("a\nb", 3), "a\nb");
        assert_eq!(clip("a\nbcd", 4), "a\nb…");
        assert_eq!(clip("é", 0), "…");
    }
}
