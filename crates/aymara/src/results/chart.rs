//! SVG bar charts of pass rates (feature `charts`), drawn with `plotters`' SVG backend.
//!
//! Text is written as SVG `<text>` and laid out with plotters' built-in estimate, so no system
//! font is read: the charts render the same on a machine without any font installed, and the
//! viewer (a browser) picks the font.
//!
//! ```
//! # fn demo(results: &aymara::results::RunResults) -> std::io::Result<()> {
//! use aymara::results::chart;
//!
//! let by_category = chart::pass_rate_by_category(&results.category_stats(), &chart::ChartOptions::default())?;
//! std::fs::write("categories.svg", by_category)?;
//! # Ok(()) }
//! ```

use plotters::prelude::*;

use super::stats::{CategoryStats, RunStats};

/// Fill of the pass-rate bars (`#2E7D32` in the SVG).
pub const BAR_COLOR: RGBColor = RGBColor(0x2E, 0x7D, 0x32);

/// Size and title of a chart.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct ChartOptions {
    /// Title drawn above the bars (a default per chart when `None`).
    pub title: Option<String>,
    /// Width in pixels (default: 110 per bar, between 480 and 1200).
    pub width: Option<u32>,
    /// Height in pixels.
    pub height: u32,
}

impl Default for ChartOptions {
    fn default() -> Self {
        Self {
            title: None,
            width: None,
            height: 360,
        }
    }
}

impl ChartOptions {
    /// Sets the title.
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }

    /// Sets the width in pixels.
    pub fn width(mut self, width: u32) -> Self {
        self.width = Some(width);
        self
    }

    /// Sets the height in pixels.
    pub fn height(mut self, height: u32) -> Self {
        self.height = height;
        self
    }
}

/// One bar per run: its pass rate (runs with nothing scored are labelled `n/a`, no bar).
pub fn pass_rate_by_run(runs: &[RunStats], options: &ChartOptions) -> std::io::Result<String> {
    let bars: Vec<(&str, Option<f64>)> = runs
        .iter()
        .map(|r| (r.name.as_str(), r.counts.pass_rate))
        .collect();
    bar_chart(&bars, "Pass rate by eval run", options)
}

/// One bar per prompt category: its pass rate.
pub fn pass_rate_by_category(
    categories: &[CategoryStats],
    options: &ChartOptions,
) -> std::io::Result<String> {
    let bars: Vec<(&str, Option<f64>)> = categories
        .iter()
        .map(|c| (c.category.as_str(), c.counts.pass_rate))
        .collect();
    bar_chart(&bars, "Pass rate by prompt category", options)
}

/// A bar chart of rates in `[0, 1]` (a rate outside is clamped; NaN or `None` draws no bar).
pub fn bar_chart(
    bars: &[(&str, Option<f64>)],
    default_title: &str,
    options: &ChartOptions,
) -> std::io::Result<String> {
    let n = u32::try_from(bars.len()).unwrap_or(u32::MAX);
    let width = options
        .width
        .unwrap_or_else(|| n.saturating_mul(110).saturating_add(80).clamp(480, 1200));
    let height = options.height.max(200);
    let title = options.title.as_deref().unwrap_or(default_title);
    let mut svg = String::new();
    draw(&mut svg, (width, height), title, bars).map_err(std::io::Error::other)?;
    Ok(svg)
}

/// Keeps labels within their bar's width (about 7 px per character at 13 px).
fn fit(label: &str, max_chars: usize) -> String {
    if label.chars().count() <= max_chars {
        return label.to_owned();
    }
    let mut s: String = label.chars().take(max_chars.saturating_sub(1)).collect();
    s.push('…');
    s
}

fn draw(
    svg: &mut String,
    size: (u32, u32),
    title: &str,
    bars: &[(&str, Option<f64>)],
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let root = SVGBackend::with_string(svg, size).into_drawing_area();
    root.fill(&WHITE)?;
    let n = bars.len().max(1);
    // Bar i is centred on x = i: plotters then puts its "nice" integer key points (the labels)
    // under the bars. (Its segmented axis always keeps an empty segment on the right.)
    let right = n as f64 - 0.5;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 18))
        .margin(14)
        .x_label_area_size(36)
        .y_label_area_size(56)
        // Headroom above 100 % for the value labels.
        .build_cartesian_2d(-0.5f64..right, 0f64..1.1f64)?;
    let per_bar = usize::try_from(size.0.saturating_sub(90))
        .unwrap_or(usize::MAX)
        .checked_div(n)
        .unwrap_or(0);
    let max_chars = (per_bar / 7).max(4);
    let label_of = |x: &f64| {
        let i = x.round();
        (i >= 0.0 && (x - i).abs() < 1e-6)
            .then(|| bars.get(i as usize))
            .flatten()
            .map_or_else(String::new, |(label, _)| fit(label, max_chars))
    };
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(n)
        .x_label_formatter(&label_of)
        .y_labels(6)
        .light_line_style(TRANSPARENT)
        .y_label_formatter(&|v| {
            if *v > 1.0001 {
                String::new()
            } else {
                format!("{:.0}%", v * 100.0)
            }
        })
        .y_desc("responses passed")
        .label_style(("sans-serif", 13))
        .draw()?;
    let rate = |r: &Option<f64>| r.filter(|r| r.is_finite()).map(|r| r.clamp(0.0, 1.0));
    chart.draw_series(bars.iter().enumerate().filter_map(|(i, (_, r))| {
        let r = rate(r)?;
        let x = i as f64;
        Some(Rectangle::new(
            [(x - 0.35, 0.0), (x + 0.35, r)],
            BAR_COLOR.filled(),
        ))
    }))?;
    let value_style = TextStyle::from(("sans-serif", 13).into_font())
        .color(&BLACK)
        .pos(plotters::style::text_anchor::Pos::new(
            plotters::style::text_anchor::HPos::Center,
            plotters::style::text_anchor::VPos::Bottom,
        ));
    chart.draw_series(bars.iter().enumerate().map(|(i, (_, r))| {
        let (y, text) = match rate(r) {
            Some(r) => (r, format!("{:.0}%", r * 100.0)),
            None => (0.0, "n/a".to_owned()),
        };
        Text::new(text, (i as f64, y), value_style.clone())
    }))?;
    root.present()?;
    Ok(())
}
