//! The list kit: one pager and one select option for every list page (journal, inbox,
//! members, extracts, register). The template side is `templates/layout/list.html`.

/// An option of a `<select>`.
pub struct Opt {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

impl Opt {
    pub fn new(value: impl Into<String>, label: impl Into<String>, current: &str) -> Opt {
        let value = value.into();
        Opt {
            selected: value == current,
            label: label.into(),
            value,
        }
    }
}

/// «Все» (an empty value) first, then the given (value, label) pairs.
pub fn options_with_all<'a>(
    all_label: &str,
    items: impl IntoIterator<Item = (&'a str, &'a str)>,
    current: &str,
) -> Vec<Opt> {
    let mut v = vec![Opt::new("", all_label, current)];
    v.extend(
        items
            .into_iter()
            .map(|(value, label)| Opt::new(value, label, current)),
    );
    v
}

/// One page of a list and the links around it, keeping the list's filters.
pub struct Pager {
    pub page: i64,
    pub pages: i64,
    pub total: i64,
    pub prev_href: Option<String>,
    pub next_href: Option<String>,
}

impl Pager {
    /// The largest page number a list accepts: deeper pages are refused, not computed.
    pub const MAX_PAGE: i64 = 100_000;

    /// `page` (1-based, from the query) of `total` rows shown `per_page` at a time, with links
    /// to `path?filters&page=N` (empty filters are left out).
    pub fn new(
        path: &str,
        filters: &[(&str, &str)],
        page: Option<i64>,
        per_page: i64,
        total: i64,
    ) -> Pager {
        let page = clamp_page(page);
        let pages = ((total + per_page - 1) / per_page).max(1);
        let href = |p: i64| {
            let ps = p.to_string();
            let mut pairs: Vec<(&str, &str)> = filters.to_vec();
            pairs.push(("page", &ps));
            format!("{path}?{}", query_string(&pairs))
        };
        Pager {
            page,
            pages,
            total,
            prev_href: (page > 1).then(|| href(page - 1)),
            next_href: (page < pages).then(|| href(page + 1)),
        }
    }

    /// The row offset of a page.
    pub fn offset(page: Option<i64>, per_page: i64) -> i64 {
        (clamp_page(page) - 1) * per_page
    }
}

/// A page number from the query: at least 1, at most [`Pager::MAX_PAGE`].
pub fn clamp_page(page: Option<i64>) -> i64 {
    page.unwrap_or(1).clamp(1, Pager::MAX_PAGE)
}

/// `a=1&b=2`, leaving out empty values.
pub fn query_string(pairs: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs.iter().filter(|(_, v)| !v.is_empty()))
        .finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_keep_the_filters() {
        let p = Pager::new(
            "/kabinet/journal",
            &[("year", "2026"), ("status", "")],
            Some(2),
            50,
            120,
        );
        assert_eq!(p.pages, 3);
        assert_eq!(
            p.prev_href.as_deref(),
            Some("/kabinet/journal?year=2026&page=1")
        );
        assert_eq!(
            p.next_href.as_deref(),
            Some("/kabinet/journal?year=2026&page=3")
        );
        let last = Pager::new("/x", &[], Some(99), 50, 120);
        assert_eq!(last.page, 99);
        assert!(last.next_href.is_none());
        assert_eq!(Pager::offset(Some(0), 50), 0);
        assert_eq!(
            Pager::offset(Some(i64::MAX), 10),
            (Pager::MAX_PAGE - 1) * 10
        );
    }

    #[test]
    fn options() {
        let o = options_with_all("Все", [("a", "А"), ("b", "Б")], "b");
        assert_eq!(o.len(), 3);
        assert!(o[2].selected && !o[0].selected);
    }
}
