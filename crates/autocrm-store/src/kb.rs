//! Knowledge base: categories, sections, articles with translations, versions, feedback and views.
