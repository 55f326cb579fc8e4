//! The search service behind the Search view: a thread that keeps the
//! project's search index and autocomplete open (through
//! [`Project::open_search`]) and answers requests in order, so typing never
//! waits on the index. Only the newest answer of each kind matters; older
//! ones are dropped by their sequence number. The app owns it and feeds it
//! the view's `Command::Search` and `Command::Suggest`.

use std::path::PathBuf;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::Instant;

use eframe::egui;
use shoplab_engine::Project;
use shoplab_engine::search::{SearchRequest, SearchResults, Suggestion};

/// A question for the search thread.
enum Ask {
    Search {
        seq: u64,
        requests: Vec<SearchRequest>,
    },
    Suggest {
        seq: u64,
        prefix: String,
    },
}

/// An answer from the search thread.
#[derive(Debug)]
pub enum Answer {
    /// Results of each request, in order, and the time they took together.
    Search {
        /// Sequence number of the request.
        seq: u64,
        /// One result per request.
        results: Vec<Result<SearchResults, String>>,
        /// Microseconds spent searching.
        micros: u128,
    },
    /// Completions of a prefix.
    Suggest {
        /// Sequence number of the request.
        seq: u64,
        /// Completions, best first.
        list: Vec<Suggestion>,
    },
    /// The index could not be opened.
    Unavailable(String),
}

/// Handle on the search thread of one project.
pub struct Searcher {
    tx: Sender<Ask>,
    rx: Receiver<Answer>,
    seq: u64,
    /// Sequence number of the newest search sent.
    pub last_search: u64,
    /// Sequence number of the newest suggestion request sent.
    pub last_suggest: u64,
}

impl Searcher {
    /// Starts the thread for the project in `root`.
    pub fn start(ctx: &egui::Context, root: PathBuf) -> Searcher {
        let (tx, asks) = channel::<Ask>();
        let (answers, rx) = channel();
        let ctx = ctx.clone();
        let spawned = std::thread::Builder::new()
            .name("shoplab-search".into())
            .spawn(move || serve(&ctx, &root, &asks, &answers));
        let searcher = Searcher {
            tx,
            rx,
            seq: 0,
            last_search: 0,
            last_suggest: 0,
        };
        if let Err(e) = spawned {
            tracing::warn!("cannot start the search thread: {e}");
        }
        searcher
    }

    /// Sends searches; their answer comes back through [`Searcher::poll`].
    pub fn search(&mut self, requests: Vec<SearchRequest>) {
        self.seq += 1;
        self.last_search = self.seq;
        let _ = self.tx.send(Ask::Search {
            seq: self.seq,
            requests,
        });
    }

    /// Asks for completions of `prefix`.
    pub fn suggest(&mut self, prefix: &str) {
        self.seq += 1;
        self.last_suggest = self.seq;
        let _ = self.tx.send(Ask::Suggest {
            seq: self.seq,
            prefix: prefix.to_string(),
        });
    }

    /// Answers that arrived since the last call.
    pub fn poll(&self) -> Vec<Answer> {
        self.rx.try_iter().collect()
    }
}

fn serve(
    ctx: &egui::Context,
    root: &std::path::Path,
    asks: &Receiver<Ask>,
    answers: &Sender<Answer>,
) {
    // The project (and its SQLite connection) is closed again at once; only
    // the index and autocomplete stay open.
    let open = match Project::open_read_only(root).and_then(|p| p.open_search()) {
        Ok(x) => x,
        Err(e) => {
            let _ = answers.send(Answer::Unavailable(e.to_string()));
            ctx.request_repaint();
            return;
        }
    };
    while let Ok(first) = asks.recv() {
        // Skip to the newest search and the newest suggestion waiting.
        let mut search = None;
        let mut suggest = None;
        for ask in std::iter::once(first).chain(asks.try_iter()) {
            match ask {
                Ask::Search { .. } => search = Some(ask),
                Ask::Suggest { .. } => suggest = Some(ask),
            }
        }
        if let Some(Ask::Suggest { seq, prefix }) = suggest {
            let list = open.suggest(&prefix, 8);
            if answers.send(Answer::Suggest { seq, list }).is_err() {
                return;
            }
        }
        if let Some(Ask::Search { seq, requests }) = search {
            let start = Instant::now();
            let results = requests
                .iter()
                .map(|r| open.search(r).map_err(|e| e.to_string()))
                .collect();
            let micros = start.elapsed().as_micros();
            if answers
                .send(Answer::Search {
                    seq,
                    results,
                    micros,
                })
                .is_err()
            {
                return;
            }
        }
        ctx.request_repaint();
    }
}
