//! The charts: a bar per row, and the `--scale` lines.

use std::error::Error;
use std::path::Path;

use super::*;

/// DejaVu Sans, for the plot's text (license in `examples/assets/`).
pub(crate) const FONT: &[u8] = include_bytes!("../../../assets/DejaVuSans.ttf");

/// Draws the rows' ratios as a PNG bar chart at `path`: one bar per row,
/// from 1.0 to its ratio on a logarithmic axis, with a line at 1.0.
pub(crate) fn plot(machine: &Machine, rows: &[Row], path: &Path) -> Result<(), Box<dyn Error>> {
    use plotters::prelude::*;
    use plotters::style::text_anchor::{HPos, Pos, VPos};
    use plotters::style::{register_font, FontStyle, FontTransform};

    if rows.is_empty() {
        return Err("no rows to plot".into());
    }
    // A second registration replaces nothing that matters: same bytes.
    register_font("sans-serif", FontStyle::Normal, FONT)
        .map_err(|_| "the bundled font does not parse")?;

    let ratios: Vec<f64> = rows
        .iter()
        .map(Row::ratio)
        .filter(|r| r.is_finite() && *r > 0.0)
        .collect();
    let low = ratios.iter().copied().fold(1.0, f64::min) / 1.6;
    let high = ratios.iter().copied().fold(1.0, f64::max) * 1.6;

    let root = BitMapBackend::new(path, (1400, 1000)).into_drawing_area();
    root.fill(&WHITE)?;
    let title = format!(
        "taskcell showdown: ours / theirs (below 1.0: ours faster or smaller), {} workers, {} CPUs, {}",
        machine.workers, machine.cpus, machine.cpu_model
    );
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 20))
        .margin(15)
        .x_label_area_size(330)
        .y_label_area_size(60)
        // `0..n` here is inclusive: its segments are 0 to n - 1.
        .build_cartesian_2d(
            (0..rows.len().saturating_sub(1)).into_segmented(),
            (low..high).log_scale(),
        )?;

    chart
        .configure_mesh()
        .disable_x_mesh()
        // The rows' labels are drawn below, top to bottom from the axis; a
        // tick mark there would read as a "-" before each of them.
        .x_label_formatter(&|_| String::new())
        .set_tick_mark_size(LabelAreaPosition::Bottom, 0)
        .y_desc("ours / theirs (log scale)")
        .y_label_formatter(&|y| format!("{y:.2}"))
        .axis_desc_style(("sans-serif", 16))
        .y_label_style(("sans-serif", 15))
        .draw()?;

    let color = |group: &str| match group {
        "rt" => RGBColor(66, 133, 244),
        "cell" => RGBColor(244, 160, 0),
        "across_await" => RGBColor(15, 157, 88),
        "body" => RGBColor(219, 68, 55),
        "coop" => RGBColor(0, 172, 193),
        "http" => RGBColor(121, 85, 72),
        "timers" => RGBColor(96, 125, 139),
        _ => RGBColor(171, 71, 188),
    };
    chart.draw_series(rows.iter().enumerate().map(|(i, row)| {
        let ratio = row.ratio().clamp(low, high);
        let mut bar = Rectangle::new(
            [
                (SegmentValue::Exact(i), 1.0),
                (SegmentValue::Exact(i + 1), ratio),
            ],
            color(row.group).filled(),
        );
        bar.set_margin(0, 0, 8, 8);
        bar
    }))?;
    chart.draw_series(rows.iter().enumerate().map(|(i, row)| {
        let ratio = row.ratio().clamp(low, high);
        // The value sits just beyond the bar's end.
        let (at, side) = if ratio < 1.0 {
            (ratio / 1.02, VPos::Top)
        } else {
            (ratio * 1.02, VPos::Bottom)
        };
        Text::new(
            format!("{:.2}", row.ratio()),
            (SegmentValue::CenterOf(i), at),
            TextStyle::from(("sans-serif", 14).into_font()).pos(Pos::new(HPos::Center, side)),
        )
    }))?;
    chart.draw_series(std::iter::once(PathElement::new(
        vec![
            (SegmentValue::Exact(0), 1.0),
            (SegmentValue::Exact(rows.len()), 1.0),
        ],
        BLACK.stroke_width(2),
    )))?;

    let label_style = TextStyle::from(
        ("sans-serif", 15)
            .into_font()
            .transform(FontTransform::Rotate90),
    )
    .pos(Pos::new(HPos::Left, VPos::Center));
    for (i, row) in rows.iter().enumerate() {
        let (x, y) = chart.backend_coord(&(SegmentValue::CenterOf(i), low));
        root.draw(&Text::new(row.label(), (x, y + 10), label_style.clone()))?;
    }

    root.present()?;
    Ok(())
}

/// Draws the `--scale` runs as a PNG line chart at `path`: the ratio
/// against the worker count, one line per row (workload and contender;
/// circles for `rt`, triangles for `across_await`), with a line at 1.0 and
/// the legend to the right of the last count.
pub(crate) fn scale_plot(
    machine: &Machine,
    runs: &[Run],
    path: &Path,
) -> Result<(), Box<dyn Error>> {
    use plotters::prelude::*;
    use plotters::style::text_anchor::{HPos, Pos, VPos};
    use plotters::style::{register_font, FontStyle};

    let Some(first) = runs.first().filter(|run| !run.rows.is_empty()) else {
        return Err("no rows to plot".into());
    };
    register_font("sans-serif", FontStyle::Normal, FONT)
        .map_err(|_| "the bundled font does not parse")?;

    let ratios: Vec<f64> = runs
        .iter()
        .flat_map(|run| run.rows.iter().map(Row::ratio))
        .filter(|r| r.is_finite() && *r > 0.0)
        .collect();
    let high = ratios.iter().copied().fold(1.0, f64::max) * 1.15;
    let low = 0.0;
    // The worker counts sit evenly spaced, at 0, 1, 2, …; the legend takes
    // the space to the right of the last.
    let last = runs.len() as f64 - 1.0;
    let right = last + 0.3 + (last + 0.6).max(1.0) * 0.75;

    let root = BitMapBackend::new(path, (1400, 900)).into_drawing_area();
    root.fill(&WHITE)?;
    let title = format!(
        "taskcell showdown --scale: ours / theirs against workers (below 1.0: ours faster), {} CPUs, {}",
        machine.cpus, machine.cpu_model
    );
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 20))
        .margin(20)
        .x_label_area_size(60)
        .y_label_area_size(60)
        .build_cartesian_2d(-0.3..right, low..high)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        // The worker counts are drawn below, one under each point.
        .x_labels(0)
        .x_label_formatter(&|_| String::new())
        .set_tick_mark_size(LabelAreaPosition::Bottom, 0)
        .x_desc("worker threads per runtime")
        .y_desc("ours / theirs")
        .y_labels(12)
        .light_line_style(TRANSPARENT)
        .y_label_formatter(&|y| format!("{y:.1}"))
        .axis_desc_style(("sans-serif", 16))
        .y_label_style(("sans-serif", 15))
        .draw()?;
    chart.draw_series(std::iter::once(PathElement::new(
        vec![(-0.3, 1.0), (last + 0.3, 1.0)],
        BLACK.stroke_width(2),
    )))?;

    for (i, row) in first.rows.iter().enumerate() {
        let color = Palette99::pick(i).to_rgba();
        let points: Vec<(f64, f64)> = runs
            .iter()
            .enumerate()
            .filter_map(|(x, run)| {
                let ratio = run.rows.get(i)?.ratio();
                (ratio.is_finite() && ratio > 0.0).then(|| (x as f64, ratio.clamp(low, high)))
            })
            .collect();
        chart
            .draw_series(std::iter::once(PathElement::new(
                points.clone(),
                color.stroke_width(2),
            )))?
            .label(row.label())
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
            });
        if row.group == "rt" {
            chart.draw_series(
                points
                    .into_iter()
                    .map(|point| Circle::new(point, 5, color.filled())),
            )?;
        } else {
            chart.draw_series(
                points
                    .into_iter()
                    .map(|point| TriangleMarker::new(point, 7, color.filled())),
            )?;
        }
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font(("sans-serif", 14))
        .draw()?;

    let label_style =
        TextStyle::from(("sans-serif", 16).into_font()).pos(Pos::new(HPos::Center, VPos::Top));
    for (x, run) in runs.iter().enumerate() {
        let (px, py) = chart.backend_coord(&(x as f64, low));
        root.draw(&Text::new(
            run.workers.to_string(),
            (px, py + 8),
            label_style.clone(),
        ))?;
    }

    root.present()?;
    Ok(())
}
