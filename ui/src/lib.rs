//! ShopLab's desktop app: an eframe/egui workbench over the engine.
//!
//! The app is a thin face. Every panel is a `ui()` function in [`views`]
//! that reads the app's state and pushes [`Command`]s; the [`ShopLabApp`]
//! applies them, and anything that touches SQLite, tantivy or training runs
//! on a background [`job`] that reports through the engine's `Progress` and
//! stops on its `CancelToken` (searches go to the app's one search thread).
//! A frame never waits on the engine.

mod app;
mod chart;
mod command;
mod creation;
mod file_picker;
mod fonts;
mod glossary;
mod i18n;
mod job;
mod plot_style;
mod searcher;
mod settings;
mod snapshot;
pub mod views;
pub mod words;

pub use app::{Launch, ShopLabApp, View};
pub use command::Command;
pub use i18n::Lang;
pub use job::{Curve, CurveAxis, Curves, JobOutcome, JobState};
pub use settings::AppSettings;
pub use snapshot::Snapshot;

/// Errors the desktop app can end with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The window could not be opened (no display, no OpenGL).
    #[error(
        "cannot open the ShopLab window: {0}. The app needs a graphical session with OpenGL 3 (on a server, run it under Xvfb, or use the `shoplab` commands instead)"
    )]
    Window(String),
}

/// Opens the desktop app and blocks until its window is closed.
pub fn run(launch: Launch) -> Result<(), Error> {
    let options = eframe::NativeOptions {
        viewport: eframe::egui::ViewportBuilder::default()
            .with_title("ShopLab")
            .with_inner_size([1280.0, 820.0])
            .with_min_inner_size([760.0, 480.0]),
        persist_window: true,
        ..Default::default()
    };
    eframe::run_native(
        "ShopLab",
        options,
        Box::new(move |cc| Ok(Box::new(ShopLabApp::new(cc, launch)))),
    )
    .map_err(|e| Error::Window(e.to_string()))
}
