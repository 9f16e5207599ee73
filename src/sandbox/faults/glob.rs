//! Path globs of fault rules: `*` stands for any run of characters within one segment, `**` for
//! any run across segments, `?` for one character of a segment, `\` makes the next character
//! literal. A glob is matched against a request's path, and, when the rule is created, against
//! each operation's path template, to know which operations the rule can reach.

/// What one position of a pattern stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token {
    Literal(u8),
    /// One character (not `/` when `any` is false).
    One {
        any: bool,
    },
    /// Any run of characters, possibly empty (none of them `/` when `any` is false).
    Run {
        any: bool,
    },
}

impl Token {
    fn is_run(self) -> bool {
        matches!(self, Token::Run { .. })
    }

    /// Whether some character stands for both tokens.
    fn overlaps(self, other: Token) -> bool {
        let accepts = |t: Token, c: u8| match t {
            Token::Literal(l) => l == c,
            Token::One { any } | Token::Run { any } => any || c != b'/',
        };
        match (self, other) {
            (Token::Literal(c), t) | (t, Token::Literal(c)) => accepts(t, c),
            // Two classes always share a letter.
            _ => true,
        }
    }
}

/// A compiled path glob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Glob {
    text: String,
    tokens: Vec<Token>,
}

impl Glob {
    /// Compiles a glob; a `\` with nothing after it is refused.
    pub fn new(text: &str) -> Result<Glob, String> {
        let bytes = text.as_bytes();
        let mut tokens = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'\\' => {
                    let Some(&next) = bytes.get(i + 1) else {
                        return Err(format!("the path glob \"{text}\" ends with a lone \\"));
                    };
                    tokens.push(Token::Literal(next));
                    i += 2;
                    continue;
                }
                b'*' if bytes.get(i + 1) == Some(&b'*') => {
                    tokens.push(Token::Run { any: true });
                    i += 2;
                    continue;
                }
                b'*' => tokens.push(Token::Run { any: false }),
                b'?' => tokens.push(Token::One { any: false }),
                c => tokens.push(Token::Literal(c)),
            }
            i += 1;
        }
        Ok(Glob {
            text: text.to_string(),
            tokens,
        })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether a request path matches the glob.
    pub fn matches(&self, path: &str) -> bool {
        let literal: Vec<Token> = path.bytes().map(Token::Literal).collect();
        intersects(&self.tokens, &literal)
    }

    /// Whether some path matches both the glob and an operation's path template
    /// (`/orders/{orderId}`: a parameter is one or more characters of one segment).
    pub fn meets_template(&self, template: &str) -> bool {
        intersects(&self.tokens, &template_tokens(template))
    }
}

/// A path template as a pattern: `{name}` is one character of a segment followed by any run.
fn template_tokens(template: &str) -> Vec<Token> {
    let bytes = template.as_bytes();
    let mut tokens = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'{'
            && let Some(len) = bytes[i..].iter().position(|&b| b == b'}')
        {
            tokens.push(Token::One { any: false });
            tokens.push(Token::Run { any: false });
            i += len + 1;
            continue;
        }
        tokens.push(Token::Literal(bytes[i]));
        i += 1;
    }
    tokens
}

/// Whether the languages of two patterns share a string: a walk of the product of their automata
/// from (start, start) to (end, end). Each pattern is a chain of states, a run token looping on
/// itself, so the product has at most (len a + 1) × (len b + 1) states.
fn intersects(a: &[Token], b: &[Token]) -> bool {
    let width = b.len() + 1;
    let mut seen = vec![false; (a.len() + 1) * width];
    let mut stack = vec![(0usize, 0usize)];
    while let Some((i, j)) = stack.pop() {
        let at = i * width + j;
        if seen[at] {
            continue;
        }
        seen[at] = true;
        if i == a.len() && j == b.len() {
            return true;
        }
        // A run may stand for nothing.
        if i < a.len() && a[i].is_run() {
            stack.push((i + 1, j));
        }
        if j < b.len() && b[j].is_run() {
            stack.push((i, j + 1));
        }
        // Both read one character they agree on; a run stays where it is.
        if i < a.len() && j < b.len() && a[i].overlaps(b[j]) {
            let ni = if a[i].is_run() { i } else { i + 1 };
            let nj = if b[j].is_run() { j } else { j + 1 };
            if (ni, nj) != (i, j) {
                stack.push((ni, nj));
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::Glob;

    fn g(s: &str) -> Glob {
        Glob::new(s).unwrap()
    }

    #[test]
    fn a_star_stays_within_one_segment() {
        assert!(g("/acme/orders/*").matches("/acme/orders/1234"));
        assert!(!g("/acme/orders/*").matches("/acme/orders/1234/cancel"));
        assert!(g("/acme/orders/*/cancel").matches("/acme/orders/1/cancel"));
        assert!(g("/acme/*").matches("/acme/"));
    }

    #[test]
    fn a_double_star_crosses_segments() {
        assert!(g("/acme/**").matches("/acme/api/v2/people/names"));
        assert!(g("**/names").matches("/acme/api/v1/firms/names"));
        assert!(!g("**/names").matches("/acme/api/v1/firms/ratings"));
    }

    #[test]
    fn question_marks_and_escapes() {
        assert!(g("/v?/x").matches("/v2/x"));
        assert!(!g("/v?/x").matches("/v22/x"));
        assert!(!g("/v?/x").matches("/v//x"));
        assert!(g("/a\\*b").matches("/a*b"));
        assert!(!g("/a\\*b").matches("/axb"));
        assert!(Glob::new("/a\\").is_err());
    }

    #[test]
    fn a_literal_path_matches_itself_only() {
        let glob = g("/acme/api/v2/people/names");
        assert!(glob.matches("/acme/api/v2/people/names"));
        assert!(!glob.matches("/acme/api/v2/people/names/"));
        assert!(!glob.matches("/acme/api/v1/people/names"));
    }

    #[test]
    fn templates_meet_globs_that_some_path_of_theirs_matches() {
        let template = "/acme/orders/{orderId}";
        assert!(g("/acme/orders/*").meets_template(template));
        assert!(g("/acme/orders/1234").meets_template(template));
        assert!(g("/acme/**").meets_template(template));
        assert!(!g("/acme/orders/*/cancel").meets_template(template));
        // A parameter never holds a slash, and never nothing.
        assert!(!g("/acme/orders/a/b").meets_template(template));
        assert!(!g("/acme/orders/").meets_template(template));
        assert!(g("/x/*-*").meets_template("/x/{origin}-{destination}"));
        assert!(!g("/x/ab").meets_template("/x/{origin}-{destination}"));
        assert!(g("/x/a-b").meets_template("/x/{origin}-{destination}"));
    }
}
