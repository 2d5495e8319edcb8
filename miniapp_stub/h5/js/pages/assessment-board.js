// The admin's score board: this month's scores per team, trends (ECharts), xlsx export.
import { Vue, loadECharts } from "../vendor.js";
import { api } from "../api.js";
import { usePage } from "../ui.js";

const BASE = { textStyle: { fontFamily: "inherit" }, animation: false };

// The last complete month: the one whose scores decide the contractors' payments.
function lastMonth() {
  const [year, month] = new Date().toLocaleDateString("sv-SE", { timeZone: "Asia/Shanghai" }).slice(0, 7).split("-").map(Number);
  return month === 1 ? `${year - 1}-12` : `${year}-${String(month - 1).padStart(2, "0")}`;
}

export default {
  template: `
    <div class="dashboard">
      <van-cell-group inset class="gap">
        <van-field v-model="month" label="月份" type="month" data-testid="board-month" @change="page.reload()" />
      </van-cell-group>
      <page-state :page="page" :pull="false">
      <div v-if="board" class="chart-card">
        <div class="chart-title">全中心满意率 <b data-testid="board-rate" :class="board.centre.met ? 'ok' : 'bad'">{{ fmt(board.centre.satisfied_rate) }}%</b>
          <span class="muted">（目标 ≥ {{ board.centre.target }}%，{{ board.centre.ratings }} 份评分）</span></div>
        <table class="scores-table">
          <thead><tr><th>团队</th><th>出勤</th><th>检查</th><th>满意</th><th>综合</th></tr></thead>
          <tbody>
            <tr v-for="i in board.items" :key="i.team.id" :data-testid="'board-team-' + i.team.id">
              <td>{{ i.team.name }}<small v-if="i.open_rectifications" class="bad"> 整改{{ i.open_rectifications }}</small></td>
              <td>{{ fmt(i.attendance) }}</td><td>{{ fmt(i.inspection) }}</td><td>{{ fmt(i.satisfaction) }}</td>
              <td><b>{{ fmt(i.total) }}</b></td>
            </tr>
          </tbody>
        </table>
        <div class="muted">权重 出勤{{ board.weights.attendance }} / 检查{{ board.weights.inspection }} / 满意度{{ board.weights.satisfaction }}</div>
      </div>
      <div class="chart-card"><div class="chart-title">综合得分趋势（近 6 个月）</div><div ref="trendEl" class="chart" data-testid="chart-assessment-trend"></div></div>
      <div class="chart-card"><div class="chart-title">满意率趋势与 96% 目标</div><div ref="rateEl" class="chart" data-testid="chart-assessment-rate"></div></div>
      <div class="actions"><van-button plain block round :loading="exporting" data-testid="board-export" @click="exportXlsx">导出 Excel</van-button></div>
      </page-state>
    </div>`,
  setup() {
    const month = Vue.ref(lastMonth()), trendEl = Vue.ref(null), rateEl = Vue.ref(null), exporting = Vue.ref(false);
    const charts = [];
    const fmt = (v) => (v === null || v === undefined ? "—" : v.toFixed(1));
    function draw(echarts, el, option) {
      const chart = echarts.getInstanceByDom(el) || echarts.init(el, null, { renderer: "svg" });
      chart.setOption({ ...BASE, ...option }, true);
      if (!charts.includes(chart)) charts.push(chart);
    }
    const page = usePage(async () => {
      const [echarts, scores, trend] = await Promise.all([
        loadECharts(),
        api.get("/admin/assessment/scores", { month: month.value }, { quiet: true }),
        api.get("/admin/assessment/trend", { month: month.value, months: 6 }, { quiet: true }),
      ]);
      return { echarts: Vue.markRaw(echarts), scores, trend };
    }, { isEmpty: () => false });
    const board = Vue.computed(() => page.data?.scores);
    // The charts' elements exist once the loaded state is shown: draw then.
    Vue.watch(() => [page.state, page.data], async ([state]) => {
      if (state !== "loaded") return;
      await Vue.nextTick();
      drawAll(page.data);
    });
    function drawAll({ echarts, scores, trend }) {
      if (!trendEl.value || !rateEl.value) return;
      const labels = trend.months.map((m) => `${Number(m.slice(5))}月`);
      draw(echarts, trendEl.value, {
        grid: { left: 36, right: 12, top: 50, bottom: 24 },
        legend: { top: 0, type: "scroll", textStyle: { fontSize: 10 } },
        xAxis: { type: "category", data: labels },
        yAxis: { type: "value", min: (v) => Math.max(0, Math.floor(v.min / 10) * 10), max: 100 },
        series: trend.series.map((s) => ({ name: s.team.name, type: "line", data: s.totals, connectNulls: true })),
      });
      draw(echarts, rateEl.value, {
        grid: { left: 36, right: 12, top: 20, bottom: 24 },
        xAxis: { type: "category", data: labels },
        yAxis: { type: "value", min: 80, max: 100 },
        series: [{
          type: "bar", data: trend.satisfied_rate, itemStyle: { color: "#07c160" }, label: { show: true, position: "top", fontSize: 10 },
          markLine: { symbol: "none", data: [{ yAxis: scores.centre.target }], lineStyle: { color: "#fa5151" }, label: { formatter: "目标 {c}%", position: "insideEndTop" } },
        }],
      });
    }
    async function exportXlsx() {
      exporting.value = true;
      try {
        await api.download(`/admin/assessment/scores?month=${month.value}&format=xlsx`, `考核得分-${month.value}.xlsx`);
      } finally {
        exporting.value = false;
      }
    }
    Vue.onBeforeUnmount(() => charts.forEach((chart) => chart.dispose()));
    return { page, month, board, trendEl, rateEl, fmt, exporting, exportXlsx };
  },
};
