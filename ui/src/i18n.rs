//! Interface language: English and 简体中文, switchable while the app runs.
//!
//! Interface text is written in English at the call site, `tr(lang, "Items")`,
//! and looked up in one table of Chinese translations. A test reads the
//! sources and fails when a string passed to `tr` has no translation, so the
//! Chinese interface can never silently fall back to English.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

mod app;
mod compare;
mod data;
mod export;
mod search;
mod train;
mod words;

/// An interface language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Lang {
    /// English.
    #[default]
    En,
    /// Simplified Chinese.
    Zh,
}

impl Lang {
    /// Index into `[English, 简体中文]` text pairs.
    pub fn index(self) -> usize {
        match self {
            Lang::En => 0,
            Lang::Zh => 1,
        }
    }

    /// The language's own name, for the switcher.
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Zh => "简体中文",
        }
    }

    /// Both languages.
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Zh];
}

/// `english` in `lang`.
pub fn tr(lang: Lang, english: &'static str) -> &'static str {
    match lang {
        Lang::En => english,
        Lang::Zh => chinese().get(english).copied().unwrap_or(english),
    }
}

fn chinese() -> &'static HashMap<&'static str, &'static str> {
    static TABLE: OnceLock<HashMap<&'static str, &'static str>> = OnceLock::new();
    TABLE.get_or_init(|| parts().flat_map(|p| p.iter().copied()).collect())
}

/// Every translation table: the shared one here and one per area.
fn parts() -> impl Iterator<Item = &'static [(&'static str, &'static str)]> {
    [
        ZH,
        app::ZH,
        compare::ZH,
        data::ZH,
        search::ZH,
        train::ZH,
        words::ZH,
        export::ZH,
    ]
    .into_iter()
}

/// English -> 简体中文.
const ZH: &[(&str, &str)] = &[
    (
        "duplicates of stored events skipped",
        "条与已存储事件重复，已跳过",
    ),
    ("Check", "请检查"),
    (
        "Import the file again to resume it.",
        "再次导入该文件即可继续。",
    ),
    ("The last import did not finish:", "上次导入没有完成："),
    ("rows stored", "行已存储"),
    (
        "No history for this shopper: ranked by",
        "该用户没有历史记录，排序方式：",
    ),
    ("Shoppers with no training events", "没有训练事件的用户"),
    (
        "ranked by popularity, reported apart",
        "按热门排序，单独报告",
    ),
    ("ranked by popularity, in the means", "按热门排序，计入均值"),
    (
        "ranked by the model (tie order decides)",
        "由模型排序（同分规则决定）",
    ),
    ("Tied scores", "同分"),
    ("more popular item first", "更热门的物品在前"),
    ("catalog order", "按目录顺序"),
    ("shoppers evaluated", "个用户参与评估"),
    ("split:", "划分："),
    (
        "cold shoppers not counted (a run from an older version)",
        "未统计冷启动用户（旧版本的运行）",
    ),
    ("no cold shoppers", "没有冷启动用户"),
    (
        "cold shoppers, reported apart from the means",
        "个冷启动用户，单独报告，不计入均值",
    ),
    ("cold shoppers, in the means", "个冷启动用户，计入均值"),
    (
        "cold shoppers, ranked by the model itself",
        "个冷启动用户，由模型自己排序",
    ),
    ("ranked by", "排序方式："),
    ("of them partly by tie order", "个部分取决于同分顺序"),
    (
        "Trained before the project's last import of items or events: its figures are on older data; train it again to compare on today's.",
        "训练于项目最近一次导入物品或事件之前：其数字基于旧数据；请重新训练，以便在当前数据上比较。",
    ),
    (
        "shoppers got equal scores for every item (their list is tie order only)",
        "个用户对所有物品得分相同（其列表只由同分规则决定）",
    ),
    (
        "shoppers' metrics rest partly on tie order (a test item tied another item's score)",
        "个用户的指标部分取决于同分顺序（测试物品与其他物品同分）",
    ),
    (
        "of test pairs seen in training (repeat protocol: they stay candidates)",
        "的测试对在训练中出现过（复购协议：它们仍是候选）",
    ),
    (
        "of test pairs seen in training (left out of ranking and test)",
        "的测试对在训练中出现过（已从排序和测试中剔除）",
    ),
    ("of test pairs seen in training", "的测试对在训练中出现过"),
    ("ties: more popular item first", "同分：更热门的物品在前"),
    ("ties: catalog order", "同分：按目录顺序"),
    ("How these runs were evaluated", "这些运行是如何评估的"),
    ("test pairs seen in training", "训练中出现过的测试对"),
    ("custom boosts", "自定义字段权重"),
    ("Language", "语言"),
    ("relevant", "相关"),
    ("not relevant", "不相关"),
    (
        "This display cannot take screenshots; export CSV instead",
        "当前显示环境无法截图，请改为导出 CSV",
    ),
    (
        "A catalog (items), shoppers' events and optional search judgments as CSV, TSV, JSON lines or Parquet; column names are recognised automatically. Files can also be dropped onto the window.",
        "商品目录、用户事件和可选的搜索相关性标注，支持 CSV、TSV、JSON Lines 或 Parquet；列名会自动识别。也可以把文件直接拖到窗口上。",
    ),
    (
        "A workbench for shop search and recommendations: bring a catalog and your shoppers' events, get a search engine, recommendation lists, and honest answers to which model is better.",
        "电商搜索与推荐的实验工作台：带来商品目录和用户行为事件，得到一个搜索引擎、推荐列表，以及“哪个模型更好”的可靠答案。",
    ),
    ("Add file…", "添加文件…"),
    ("BM25, all fields equal", "BM25，各字段同权"),
    ("BM25, brand and category first", "BM25，品牌和类目优先"),
    ("BM25, default boosts", "BM25，默认字段权重"),
    ("BM25, title only", "BM25，仅标题"),
    ("Both rankers answered in", "两个排序器共用时"),
    ("Browse…", "浏览…"),
    ("Build the search index", "构建搜索索引"),
    ("Building the demo shop", "正在构建演示商店"),
    ("Building the search index", "正在构建搜索索引"),
    ("Cancel", "取消"),
    ("Catalog", "商品目录"),
    ("Chart metric", "图表指标"),
    ("Choose a folder", "选择文件夹"),
    ("Choose files", "选择文件"),
    ("Choose file…", "选择文件…"),
    (
        "Click a category or brand under the results to filter.",
        "点击结果下方的类目或品牌即可筛选。",
    ),
    ("Cold means fewer than", "冷启动指少于"),
    ("Compare", "对比"),
    ("Compare with other runs", "与其他实验对比"),
    ("Create", "创建"),
    ("Creating", "正在创建"),
    ("Cut-offs K", "截断位置 K"),
    ("Data", "数据"),
    ("Elapsed", "已用时"),
    ("Evaluate both rankers", "评估两个排序器"),
    ("Evaluating search", "正在评估搜索"),
    ("Evaluation", "评估"),
    ("Events by kind", "各类事件数"),
    ("Events from", "事件时间范围"),
    ("Events per day, by kind", "每日各类事件数"),
    ("Events that count as interactions", "计为交互的事件类型"),
    ("Export table as CSV", "导出表格为 CSV"),
    ("Export table as PNG", "导出表格为 PNG"),
    ("Export the chart as PNG", "导出图表为 PNG"),
    ("Export the chart's data as CSV", "导出图表数据为 CSV"),
    ("Filter", "筛选"),
    ("Filters", "筛选条件"),
    ("Folder", "文件夹"),
    ("Formula", "公式"),
    ("Health", "数据概况"),
    ("Import", "导入"),
    ("Import a file", "导入文件"),
    ("Import finished", "导入完成"),
    ("Import history", "导入记录"),
    ("Importing", "正在导入"),
    ("Imports", "导入"),
    ("Judged queries", "已标注的查询"),
    ("Last run:", "最近一次实验："),
    ("Latency per request (CDF)", "单次请求延迟（累积分布）"),
    ("Learn", "学习"),
    ("Left", "左侧"),
    (
        "Live metrics (running mean over the shoppers scored so far)",
        "实时指标（已评估用户的滚动平均值）",
    ),
    ("Metrics", "指标"),
    ("Model", "模型"),
    ("Models", "模型"),
    ("New project from files", "从文件新建项目"),
    (
        "No runs yet. Train a model on the Train view; each run appears here.",
        "还没有实验。请在“训练”页训练一个模型，每次实验都会显示在这里。",
    ),
    ("No search index yet.", "尚无搜索索引。"),
    ("None yet.", "暂无。"),
    ("Not relevant (adds a judgment)", "不相关（添加一条标注）"),
    ("Open", "打开"),
    ("Open a project folder", "打开项目文件夹"),
    (
        "Open a project or the demo shop on the Start view first.",
        "请先在“开始”页打开一个项目或演示商店。",
    ),
    ("Open the demo shop", "打开演示商店"),
    ("Opened", "已打开"),
    ("Opening", "正在打开"),
    ("Parameters", "参数"),
    (
        "Pick a model and press Train. Runs are saved in the project and appear on Compare.",
        "选择一个模型并点击训练。实验会保存在项目中，并显示在“对比”页。",
    ),
    (
        "Pick a shopper to see their events, newest first.",
        "选择一位用户查看其事件，最新的在前。",
    ),
    ("Pitfalls", "常见陷阱"),
    ("Price", "价格"),
    ("Query", "查询"),
    ("Random shopper", "随机用户"),
    ("Read as", "识别为"),
    ("Reading", "正在读取"),
    ("Reading judgments", "正在读取标注"),
    ("Reading rejected rows", "正在读取被拒绝的行"),
    ("Reading shopper", "正在读取用户"),
    ("Reading the project", "正在读取项目"),
    ("Recent projects", "最近的项目"),
    ("Recommend", "推荐"),
    ("Recommending for", "正在推荐给"),
    ("Refine", "细化结果"),
    ("Rejected rows of import", "被拒绝的行，导入"),
    ("Relevant (adds a judgment)", "相关（添加一条标注）"),
    ("Reload", "重新加载"),
    ("Right", "右侧"),
    ("Run name", "实验名称"),
    ("Run recorded:", "实验已记录："),
    ("Runs", "实验"),
    (
        "Runs recorded by an older ShopLab have no latency distribution; they are left out.",
        "旧版 ShopLab 记录的实验没有延迟分布，已略去。",
    ),
    ("Runs:", "实验："),
    (
        "Sampled negatives (empty: full ranking)",
        "采样负例数（留空：全量排序）",
    ),
    ("Saved", "已保存"),
    ("Saving", "正在保存"),
    ("Saving judgment", "正在保存标注"),
    ("Search", "搜索"),
    ("Search index built", "搜索索引已构建"),
    ("Search quality", "搜索质量"),
    ("Shopper", "用户"),
    ("Shopper id", "用户 ID"),
    ("Shoppers", "用户"),
    ("Show", "显示"),
    ("Show rejected rows", "显示被拒绝的行"),
    ("Split", "数据划分"),
    ("Stage", "阶段"),
    ("Start", "开始"),
    (
        "Still working on the previous request",
        "上一个请求仍在处理中",
    ),
    ("Suggestions:", "建议："),
    (
        "The demo shop is a small synthetic shop (800 products, 400 shoppers, 30,000 events) with every model already trained. It builds in a few seconds and works offline.",
        "演示商店是一个小型合成商店（800 件商品、400 位用户、30,000 条事件），所有模型都已训练好。几秒钟即可构建，完全离线可用。",
    ),
    (
        "The first rows, as ShopLab reads them",
        "前几行（ShopLab 的读取结果）",
    ),
    (
        "This project has no search index yet.",
        "该项目尚无搜索索引。",
    ),
    (
        "Tick runs on the left to compare them.",
        "在左侧勾选要对比的实验。",
    ),
    ("Train", "训练"),
    ("Train and evaluate", "训练并评估"),
    ("Training", "正在训练"),
    ("Try it", "试一试"),
    (
        "Type a query to search the catalog.",
        "输入查询以搜索商品目录。",
    ),
    ("Up", "上一级"),
    ("Use this folder", "使用此文件夹"),
    ("Welcome to ShopLab", "欢迎使用 ShopLab"),
    ("What it is", "是什么"),
    ("What it rewards", "奖励什么"),
    ("accepted", "已接受"),
    ("all", "全选"),
    ("attribute", "属性"),
    ("attribute / ignored", "属性 / 忽略"),
    ("becomes", "对应字段"),
    ("best in this column", "本列最佳"),
    ("brand", "品牌"),
    ("by run", "（按实验）"),
    ("by time", "按时间"),
    ("cancelled", "已取消"),
    ("category", "类目"),
    ("cold items", "冷启动商品"),
    ("cold shoppers", "冷启动用户"),
    ("column", "列"),
    ("column in the file", "文件中的列"),
    ("columns", "列"),
    ("default", "默认值"),
    ("e.g. wireless headphones", "例如：无线耳机"),
    ("evaluation time", "评估用时"),
    ("event", "事件"),
    ("events", "事件"),
    (
        "exclude items the shopper already had",
        "排除用户已有过交互的商品",
    ),
    ("explain scores", "解释得分"),
    ("file", "文件"),
    ("format", "格式"),
    ("history", "历史"),
    ("id", "编号"),
    ("id, title, brand or category", "ID、标题、品牌或类目"),
    ("ignored", "忽略"),
    ("item", "商品"),
    ("item events", "条商品事件"),
    ("items", "商品"),
    ("judged:", "已标注："),
    ("judgments on", "条标注，覆盖"),
    ("leave last out", "留出最后一个"),
    ("left", "剩余"),
    ("line", "行号"),
    ("matching items", "件匹配商品"),
    ("max", "最高"),
    ("metric", "指标"),
    ("microseconds", "微秒"),
    ("min", "最低"),
    ("no file chosen", "未选择文件"),
    ("none", "全不选"),
    (
        "of the first rows would be rejected, e.g.:",
        "行（前几行中）将被拒绝，例如：",
    ),
    ("optional", "可选"),
    ("p95 latency (µs)", "p95 延迟（微秒）"),
    ("per run", "（按实验）"),
    ("price", "价格"),
    ("queries", "个查询"),
    ("queries with a relevant item", "个含相关商品的查询"),
    ("query", "查询"),
    ("random", "随机"),
    ("reason", "原因"),
    ("record", "记录"),
    ("rejected", "被拒绝"),
    ("rejected rows", "被拒绝的行"),
    ("remaining in this stage", "本阶段剩余"),
    ("row", "原始行"),
    ("rows accepted", "行已接受"),
    ("run", "实验"),
    ("score", "得分"),
    ("search judgments", "搜索标注"),
    ("share of requests", "请求占比"),
    ("shoppers", "用户"),
    ("shoppers scored", "已评估用户数"),
    ("sparsity", "稀疏度"),
    ("started", "开始时间"),
    ("status", "状态"),
    ("time", "时间"),
    ("title", "标题"),
    ("train time", "训练用时"),
    ("value", "数值"),
    ("vs p95 latency", "与 p95 延迟的关系"),
    ("why this score", "为什么是这个得分"),
];

#[cfg(test)]
mod tests {
    use super::*;

    /// Every string literal passed to `tr(` / `t(` in the crate's sources.
    fn used_strings() -> Vec<String> {
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = vec![src.clone()];
        let mut out = Vec::new();
        while let Some(p) = files.pop() {
            if p.is_dir() {
                for e in std::fs::read_dir(&p).into_iter().flatten().flatten() {
                    files.push(e.path());
                }
                continue;
            }
            if p.extension().is_none_or(|e| e != "rs")
                || p.ends_with("i18n.rs")
                || p.parent().is_some_and(|d| d.ends_with("i18n"))
            {
                continue;
            }
            let text = std::fs::read_to_string(&p).unwrap_or_default();
            for marker in ["tr(lang, \"", "t(\""] {
                let mut from = 0;
                while let Some(at) = text[from..].find(marker).map(|a| a + from) {
                    from = at + marker.len();
                    // `t(` must be a call of `t`, not the end of another name.
                    let before = text[..at].chars().next_back();
                    if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                        continue;
                    }
                    if let Some(end) = text[from..].find('"') {
                        out.push(text[from..from + end].replace("\\n", "\n"));
                    }
                }
            }
        }
        out.sort();
        out.dedup();
        out
    }

    #[test]
    fn every_interface_string_has_a_chinese_translation() {
        let used = used_strings();
        assert!(
            used.len() > 50,
            "the scan found too few strings: {}",
            used.len()
        );
        let missing: Vec<&String> = used
            .iter()
            .filter(|s| !chinese().contains_key(s.as_str()))
            .collect();
        assert!(missing.is_empty(), "no Chinese for: {missing:#?}");
    }

    #[test]
    fn the_table_has_no_duplicates_and_only_chinese_values() {
        let total: usize = parts().map(<[_]>::len).sum();
        assert_eq!(chinese().len(), total, "duplicate English keys");
        for (en, zh) in parts().flatten() {
            assert!(
                zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)) || en == zh,
                "{en} -> {zh}"
            );
        }
        assert_eq!(tr(Lang::Zh, "not in the table"), "not in the table");
        assert_eq!(tr(Lang::En, "Search"), "Search");
    }
}
