//! Files a person reads: a comparison's table and charts written to disk
//! whole (title, axes, legend), whatever the app's scroll position, and
//! the same from the CLI. Runs keep one colour everywhere ([`palette`]) and
//! one label everywhere (`shoplab_engine::run_label`).

pub mod palette;
