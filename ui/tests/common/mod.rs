//! The app under egui_kittest, shared by the app test files.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use eframe::egui;
use egui_kittest::Harness;
use shoplab_ui::{AppSettings, Launch, ShopLabApp};

/// The real app on a headless egui context, one frame drawn.
pub fn harness_launched(
    settings: AppSettings,
    launch: Launch,
    size: egui::Vec2,
) -> Harness<'static, ShopLabApp> {
    let ctx = egui::Context::default();
    let app = ShopLabApp::with_settings(&ctx, settings, launch);
    let mut h = Harness::builder().with_size(size).build_ui_state(
        |ui, app: &mut ShopLabApp| {
            app.tick(ui.ctx());
            app.show(ui);
        },
        app,
    );
    h.step();
    // Without a CJK font (a bare CI machine), Chinese titles draw as boxes,
    // as they would for a user; kittest would otherwise stop at the first one.
    if h.state().cjk_font.is_none() {
        h.ctx
            .set_missing_glyph_policy(egui::MissingGlyphPolicy::Tofu);
    }
    h
}

/// Steps frames until `done` holds (background work runs meanwhile).
pub fn step_until(h: &mut Harness<'_, ShopLabApp>, what: &str, done: impl Fn(&ShopLabApp) -> bool) {
    let until = Instant::now() + Duration::from_secs(120);
    loop {
        h.step();
        if done(h.state()) {
            return;
        }
        let notices: Vec<String> = h.state().notices.iter().map(|n| n.text.clone()).collect();
        assert!(
            Instant::now() < until,
            "timed out waiting for {what}; notices: {notices:#?}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// No background work running.
pub fn idle(app: &ShopLabApp) -> bool {
    !app.working()
}
