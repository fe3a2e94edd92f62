//! The theme's templates as the API sees them: the API's pages and its emails are rendered
//! by the site's Tera (the preview implements this), so they look like the rest of the site.

use serde_json::{Map, Value};

/// Renders the theme's templates for the API's pages.
pub trait Pages: Send + Sync {
    fn render(
        &self,
        template: &str,
        path: &str,
        vars: &Map<String, Value>,
    ) -> Result<String, String>;
}
