//! How names are compared: the keys that spellings of one grade, organisation,
//! email, heading or identity share.

/// Grades match ignoring case and spaces: "grade7", "Grade 7" and "GRADE 7" agree.
pub fn grade_key(spelling: &str) -> String {
    spelling
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Organisations match after trimming, case-folding, reading `&` as `and`, and
/// collapsing runs of spaces, so "HM Revenue & Customs" is "hm revenue and customs".
pub fn organisation_key(name: &str) -> String {
    if name.contains('&') {
        words_key(&name.replace('&', " and "))
    } else {
        words_key(name)
    }
}

/// Professions match like organisations: "Finance & Audit" is "finance and audit".
pub fn profession_key(name: &str) -> String {
    organisation_key(name)
}

/// Lower-case words separated by single spaces.
pub fn words_key(text: &str) -> String {
    let mut key = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !key.is_empty() {
            key.push(' ');
        }
        // Most words are ASCII: lower-cased in place, a byte at a time.
        if word.is_ascii() {
            let from = key.len();
            key.push_str(word);
            key[from..].make_ascii_lowercase();
        } else {
            key.extend(word.chars().flat_map(char::to_lowercase));
        }
    }
    key
}

/// Emails compare trimmed and case-insensitive.
pub fn email_key(email: &str) -> String {
    email.trim().to_lowercase()
}

/// Headings match ignoring case, spaces, `_` and `-`: "Email Address",
/// "email_address" and "email-address" agree.
pub fn heading_key(heading: &str) -> String {
    // A form's "(optional)" or "*" after the heading, and invisible characters
    // (a byte-order mark left inside the heading by an export), are not part of it.
    let visible: String = heading
        .chars()
        .filter(|c| !matches!(c, '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}'))
        .collect();
    let mut heading = visible.trim().trim_end_matches('*').trim_end();
    if heading.ends_with(')') {
        if let Some(open) = heading.rfind('(') {
            if open > 0 {
                heading = &heading[..open];
            }
        }
    }
    heading
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

/// The items of a comma-separated list, as keys, without empty ones.
pub fn list_keys(list: &str) -> Vec<String> {
    let mut keys: Vec<String> = list
        .split([',', ';', '\n'])
        .map(words_key)
        .filter(|k| !k.is_empty())
        .collect();
    keys.sort();
    keys.dedup();
    keys
}

/// Levenshtein distance, for suggesting the nearest known spelling.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        current[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys() {
        assert_eq!(grade_key(" Grade 7 "), "grade7");
        assert_eq!(organisation_key("  HM Revenue   &  Customs "), "hm revenue and customs");
        assert_eq!(organisation_key("A&B"), "a and b");
        assert_eq!(email_key(" Mentor.00@Gov.UK "), "mentor.00@gov.uk");
        assert_eq!(heading_key("Email_Address"), heading_key("email-address"));
        assert_eq!(list_keys("Gay, Lesbian,,gay "), vec!["gay", "lesbian"]);
        assert_eq!(edit_distance("heo", "he0"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
    }
}
