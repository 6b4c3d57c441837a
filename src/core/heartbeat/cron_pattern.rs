//! The schedule grammar of `core::heartbeat::cron` as JSON Schema patterns, so that openapi.json says
//! exactly which cron expressions the server takes: a `schedule` is valid when it matches
//! `schedule_pattern()` and not `never_fires_pattern()`. Values, steps and names (in any case)
//! are spelled out; ranges may run either way (`22-2` wraps), so they need no comparison.

use crate::core::heartbeat::cron::{range_values, DAY_NAMES, MONTH_NAMES};

struct Field {
    min: u32,
    max: u32,
    names: &'static [&'static str],
    name_base: u32,
}

const MINUTE: Field = Field {
    min: 0,
    max: 59,
    names: &[],
    name_base: 0,
};
const HOUR: Field = Field {
    min: 0,
    max: 23,
    names: &[],
    name_base: 0,
};
const DAY_OF_MONTH: Field = Field {
    min: 1,
    max: 31,
    names: &[],
    name_base: 0,
};
const MONTH: Field = Field {
    min: 1,
    max: 12,
    names: &MONTH_NAMES,
    name_base: 1,
};
const DAY_OF_WEEK: Field = Field {
    min: 0,
    max: 7,
    names: &DAY_NAMES,
    name_base: 0,
};

const MACROS: [&str; 7] = ["yearly", "annually", "monthly", "weekly", "daily", "midnight", "hourly"];

fn any_case(word: &str) -> String {
    word.chars()
        .map(|c| format!("[{}{}]", c.to_ascii_lowercase(), c.to_ascii_uppercase()))
        .collect()
}

fn group(alternatives: &[String]) -> String {
    format!("(?:{})", alternatives.join("|"))
}

/// The numbers in `values` (sorted) as one or two digits, one-digit ones also zero-padded.
fn numbers(values: &[u32]) -> Vec<String> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < values.len() {
        let tens = values[i] / 10;
        let mut j = i;
        while j + 1 < values.len() && values[j + 1] == values[j] + 1 && values[j + 1] / 10 == tens {
            j += 1;
        }
        let (lo, hi) = (values[i] % 10, values[j] % 10);
        let units = if lo == hi {
            lo.to_string()
        } else {
            format!("[{lo}-{hi}]")
        };
        out.push(if tens == 0 {
            format!("0?{units}")
        } else {
            format!("{tens}{units}")
        });
        i = j + 1;
    }
    out
}

impl Field {
    /// Every way to write any of `values`: digits, or the value's name.
    fn tokens(&self, values: &[u32]) -> String {
        let mut alternatives = numbers(values);
        for v in values {
            if let Some(name) = v.checked_sub(self.name_base).and_then(|i| self.names.get(i as usize)) {
                alternatives.push(any_case(name));
            }
        }
        group(&alternatives)
    }

    fn values(&self) -> Vec<u32> {
        (self.min..=self.max).collect()
    }

    fn steps(&self) -> String {
        group(&numbers(&(1..=self.max).collect::<Vec<_>>()))
    }

    /// One list item: `*`, a value or a range, each with an optional step.
    fn item(&self) -> String {
        let value = self.tokens(&self.values());
        format!(r"(?:\*|{value}(?:-{value})?)(?:/{})?", self.steps())
    }

    fn list(&self) -> String {
        let item = self.item();
        format!("{item}(?:,{item})*")
    }

    /// The values an item selects (the parser's reading), for items over numbers.
    fn selects(&self, lo: u32, hi: u32, step: u32) -> Vec<u32> {
        range_values(self.min, self.max, lo, hi, step).collect()
    }

    /// Items (valid by `item()`) whose values all lie in `within`; `*` never does.
    fn items_within(&self, within: &[u32]) -> String {
        let inside = |vs: &[u32]| vs.iter().all(|v| within.contains(v));
        let mut alternatives = Vec::new();
        for a in self.min..=self.max {
            // `a` alone, and `a/k` (from a to the field's end, every k).
            if inside(&[a]) {
                alternatives.push(self.tokens(&[a]));
            }
            let steps: Vec<u32> = (1..=self.max)
                .filter(|k| inside(&self.selects(a, self.max, *k)))
                .collect();
            if !steps.is_empty() {
                alternatives.push(format!("{}/{}", self.tokens(&[a]), group(&numbers(&steps))));
            }
            // `a-b` and `a-b/k`.
            for b in self.min..=self.max {
                let steps: Vec<u32> = (1..=self.max).filter(|k| inside(&self.selects(a, b, *k))).collect();
                let range = format!("{}-{}", self.tokens(&[a]), self.tokens(&[b]));
                match (inside(&self.selects(a, b, 1)), steps.is_empty()) {
                    (true, _) => alternatives.push(format!("{range}(?:/{})?", self.steps())),
                    (false, false) => alternatives.push(format!("{range}/{}", group(&numbers(&steps)))),
                    (false, true) => {}
                }
            }
        }
        let item = group(&alternatives);
        format!("{item}(?:,{item})*")
    }
}

/// Every syntactically valid schedule: five fields separated by spaces, or a macro.
pub fn schedule_pattern() -> String {
    let macros: Vec<String> = MACROS.iter().map(|m| format!("@{}", any_case(m))).collect();
    let fields = [&MINUTE, &HOUR, &DAY_OF_MONTH, &MONTH, &DAY_OF_WEEK]
        .iter()
        .map(|f| f.list())
        .collect::<Vec<_>>()
        .join(" +");
    format!("^ *(?:{}|{fields}) *$", group(&macros))
}

/// The valid schedules that can never fire (`0 0 30 2 *`): the parser refuses them. Only
/// the day fields decide, and only while the weekday field is unrestricted (starts with `*`).
pub fn never_fires_pattern() -> String {
    let shape = |days: &[u32], months: &[u32]| {
        format!(
            r"^ *[^ ]+ +[^ ]+ +{} +{} +\*[^ ]* *$",
            DAY_OF_MONTH.items_within(days),
            MONTH.items_within(months)
        )
    };
    // Days 30 and 31 only exist outside February; day 31 only in the long months.
    format!("{}|{}", shape(&[30, 31], &[2]), shape(&[31], &[2, 4, 6, 9, 11]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::heartbeat::cron::CronExpr;
    use regex::Regex;

    fn documented_schedule() -> serde_json::Value {
        let doc: serde_json::Value =
            serde_json::from_str(include_str!("../../../openapi.json")).expect("openapi.json parses");
        doc["components"]["schemas"]["Schedule"].clone()
    }

    #[test]
    fn the_document_spells_the_parser_s_grammar() {
        let schedule = documented_schedule();
        assert_eq!(schedule["pattern"], schedule_pattern());
        assert_eq!(schedule["not"]["pattern"], never_fires_pattern());
    }

    /// A small deterministic generator of near-cron strings: valid and invalid pieces alike.
    struct Lcg(u64);

    impl Lcg {
        fn below(&mut self, n: usize) -> usize {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((self.0 >> 33) % n as u64) as usize
        }

        fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
            items[self.below(items.len())]
        }

        fn value(&mut self) -> String {
            match self.below(24) {
                0 | 1 => self
                    .pick(&["jan", "FEB", "Mar", "dec", "sun", "MON", "sat", "Fri", "xyz"])
                    .to_string(),
                2 => format!("0{}", self.below(10)),
                3 => self
                    .pick(&["", "+5", "005", "60", "24", "32", "13", "8", "-1", "1.5"])
                    .to_string(),
                _ => [0, 1, 2, 4, 5, 6, 7, 9, 11, 12, 23, 28, 29, 30, 31, 59][self.below(16)].to_string(),
            }
        }

        fn item(&mut self) -> String {
            let base = match self.below(4) {
                0 => "*".to_string(),
                1 => self.value(),
                _ => format!("{}-{}", self.value(), self.value()),
            };
            if self.below(3) == 0 {
                format!("{base}/{}", self.value())
            } else {
                base
            }
        }

        fn field(&mut self) -> String {
            let n = 1 + self.below(2);
            (0..n).map(|_| self.item()).collect::<Vec<_>>().join(",")
        }

        fn expression(&mut self) -> String {
            if self.below(20) == 0 {
                return self
                    .pick(&["@daily", "@Hourly", "@YEARLY", "@reboot", "@ daily"])
                    .to_string();
            }
            let n = if self.below(15) == 0 { 4 + 2 * self.below(2) } else { 5 };
            let fields: Vec<String> = (0..n)
                .map(|i| match (i, self.below(3)) {
                    // Day fields that come close to never firing.
                    (2, 0) => self
                        .pick(&["30", "31", "30,31", "30-31", "31/5", "29-31", "30/1"])
                        .to_string(),
                    (3, 0) => self
                        .pick(&["2", "feb", "2,4", "4,6,9,11", "2-2", "1-2", "2/11", "2/10"])
                        .to_string(),
                    (4, 0) => self.pick(&["*", "*/2", "*,1", "1"]).to_string(),
                    _ => self.field(),
                })
                .collect();
            let gap = self.pick(&[" ", "  ", " ", "\t"]);
            let edge = self.pick(&["", "", " ", "\n"]);
            format!("{edge}{}{edge}", fields.join(gap))
        }
    }

    #[test]
    fn the_patterns_accept_exactly_what_the_parser_accepts() {
        let valid = Regex::new(&schedule_pattern()).unwrap();
        let never = Regex::new(&never_fires_pattern()).unwrap();
        let mut gen = Lcg(20261125);
        let (mut accepted, mut refused) = (0, 0);
        for _ in 0..60_000 {
            let text = gen.expression();
            let by_pattern = valid.is_match(&text) && !never.is_match(&text);
            let by_parser = CronExpr::parse(&text).is_ok();
            assert_eq!(by_pattern, by_parser, "{text:?}");
            if by_parser {
                accepted += 1;
            } else {
                refused += 1;
            }
        }
        // Both sides are exercised, not only the easy one.
        assert!(
            accepted > 2_000 && refused > 20_000,
            "{accepted} accepted, {refused} refused"
        );
    }

    #[test]
    fn the_patterns_cover_known_cases() {
        let valid = Regex::new(&schedule_pattern()).unwrap();
        let never = Regex::new(&never_fires_pattern()).unwrap();
        let ok = |s: &str| valid.is_match(s) && !never.is_match(s);
        for good in [
            "0 3 * * *",
            "*/15 9-17 * * mon-FRI",
            "5-1 22-2 * * sat-mon",
            "0 0 31 1,3 *",
            "0 0 30 2 1",
            "@daily",
            " 5 4 * * sun ",
        ] {
            assert!(ok(good), "{good:?}");
        }
        for bad in [
            "",
            "0 0 30 2 *",
            "0 0 31 4,6 *",
            "0 0 30-31 feb */2",
            "+5 * * * *",
            "60 * * * *",
        ] {
            assert!(!ok(bad), "{bad:?}");
        }
    }
}
