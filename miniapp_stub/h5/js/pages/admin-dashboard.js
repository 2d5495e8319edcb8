// The admin dashboard: lunches per day and per slot, meeting-room use, repairs by status and SLA.
import { Vue, loadECharts } from "../vendor.js";
import { api } from "../api.js";
import { dayLabel, hhmm, localDate, STATUS } from "../format.js";
import { usePage } from "../ui.js";
import { CATEGORIES } from "./repairs.js";

const GREEN = "#07c160";
const BASE = { grid: { left: 40, right: 12, top: 30, bottom: 40 }, textStyle: { fontFamily: "inherit" }, animation: false };

function minutesBetween(a, b) {
  return (new Date(b) - new Date(a)) / 60000;
}

export default {
  template: `
    <page-state :page="page" :pull="false">
    <div class="dashboard">
      <div class="chart-card"><div class="chart-title">午餐预订量（近 7 天）</div><div ref="perDay" class="chart" data-testid="chart-meals-day"></div></div>
      <div class="chart-card"><div class="chart-title">{{ slotTitle }}</div><div ref="perSlot" class="chart" data-testid="chart-meals-slot"></div></div>
      <div class="chart-card"><div class="chart-title">今日会议室使用率</div><div ref="rooms" class="chart" data-testid="chart-rooms"></div></div>
      <div class="chart-card"><div class="chart-title">报修工单状态</div><div ref="repairs" class="chart" data-testid="chart-repairs"></div></div>
      <div class="chart-card"><div class="chart-title">平均处理时长与时限（分钟，近 30 天）</div><div ref="sla" class="chart" data-testid="chart-sla"></div></div>
    </div>
    </page-state>`,
  setup() {
    const perDay = Vue.ref(null), perSlot = Vue.ref(null), rooms = Vue.ref(null), repairs = Vue.ref(null), sla = Vue.ref(null);
    const slotTitle = Vue.ref("午餐各时段预订");
    const charts = [];
    let gone = false; // the admin may leave (the dashboard sits on the admin home) before the figures arrive
    function draw(echarts, el, option) {
      if (gone || !el) return;
      const chart = echarts.getInstanceByDom(el) || echarts.init(el, null, { renderer: "svg" });
      chart.setOption({ ...BASE, ...option }, true);
      if (!charts.includes(chart)) charts.push(chart);
    }
    async function mealFigures() {
      const days = Array.from({ length: 7 }, (_, i) => localDate(i - 3));
      const menus = (await Promise.all(days.map((date) => api.get("/meals/menus", { date }, { quiet: true })))).flatMap((p) => p.items);
      const summaries = await Promise.all(menus.map((m) => api.get(`/canteen/menus/${m.id}/summary`, null, { quiet: true })));
      const byDay = Object.fromEntries(days.map((d) => [d, 0]));
      menus.forEach((m, i) => (byDay[m.date] += summaries[i].confirmed + summaries[i].served));
      const todayIndex = menus.findIndex((m) => m.date >= localDate(0));
      return { days, byDay, menu: menus[todayIndex], summary: summaries[todayIndex] };
    }
    async function roomFigures() {
      const items = (await api.get("/meetings/rooms", { date: localDate(0) }, { quiet: true })).items;
      return items.map((r) => {
        const [fh, fm] = r.open_from.split(":").map(Number), [th, tm] = r.open_to.split(":").map(Number);
        const open = th * 60 + tm - (fh * 60 + fm);
        const used = r.busy.reduce((sum, b) => sum + minutesBetween(b.start, b.end), 0);
        return { name: r.name, use: Math.round((100 * used) / open) };
      });
    }
    async function repairFigures() {
      const statuses = Object.keys(STATUS.repairs);
      const pages = await Promise.all(statuses.map((status) => api.get("/repairs", { scope: "all", status, limit: 100 }, { quiet: true })));
      const [stats, categories] = await Promise.all([api.get("/repairs/stats", null, { quiet: true }), api.get("/repairs/categories", null, { quiet: true })]);
      return { statuses, counts: pages.map((p) => p.items.length), stats, categories: categories.items };
    }
    const page = usePage(async () => {
      const [echarts, meals, roomUse, tickets] = await Promise.all([loadECharts(), mealFigures(), roomFigures(), repairFigures()]);
      return { echarts: Vue.markRaw(echarts), meals, roomUse, tickets };
    }, { isEmpty: () => false });
    // The charts' elements exist once the loaded state is shown: draw then.
    Vue.watch(() => [page.state, page.data], async ([state]) => {
      if (state !== "loaded") return;
      await Vue.nextTick();
      if (!gone && perDay.value) drawAll(page.data);
    });
    function drawAll({ echarts, meals, roomUse, tickets }) {
      draw(echarts, perDay.value, {
        xAxis: { type: "category", data: meals.days.map((d) => dayLabel(d).replace(/^\d+月/, "")), axisLabel: { fontSize: 10 } },
        yAxis: { type: "value", minInterval: 1 },
        series: [{ type: "bar", data: meals.days.map((d) => meals.byDay[d]), itemStyle: { color: GREEN }, label: { show: true, position: "top" } }],
      });
      if (meals.summary) {
        slotTitle.value = `${dayLabel(meals.menu.date)} 各取餐时段`;
        draw(echarts, perSlot.value, {
          legend: { top: 0, data: ["已预订", "已取餐"] },
          xAxis: { type: "category", data: meals.summary.slots.map((s) => hhmm(s.start)) },
          yAxis: { type: "value", minInterval: 1 },
          series: [
            { name: "已预订", type: "bar", data: meals.summary.slots.map((s) => s.booked), itemStyle: { color: GREEN } },
            { name: "已取餐", type: "bar", data: meals.summary.slots.map((s) => s.served), itemStyle: { color: "#10aeff" } },
          ],
        });
      }
      draw(echarts, rooms.value, {
        grid: { left: 90, right: 30, top: 10, bottom: 20 },
        xAxis: { type: "value", max: 100, axisLabel: { formatter: "{value}%" } },
        yAxis: { type: "category", data: roomUse.map((r) => r.name), axisLabel: { fontSize: 10 } },
        series: [{ type: "bar", data: roomUse.map((r) => r.use), itemStyle: { color: "#10aeff" }, label: { show: true, position: "right", formatter: "{c}%" } }],
      });
      draw(echarts, repairs.value, {
        grid: undefined,
        legend: { bottom: 0, type: "scroll" },
        series: [{
          type: "pie", radius: ["35%", "60%"], center: ["50%", "45%"],
          data: tickets.statuses.map((s, i) => ({ name: STATUS.repairs[s][0], value: tickets.counts[i] })).filter((d) => d.value),
          label: { formatter: "{b} {c}" },
        }],
      });
      const byCategory = Object.fromEntries(tickets.stats.by_category.map((c) => [c.category, c]));
      draw(echarts, sla.value, {
        legend: { top: 0, data: ["平均处理", "时限"] },
        xAxis: { type: "category", data: tickets.categories.map((c) => CATEGORIES[c.category] || c.label), axisLabel: { fontSize: 10, interval: 0 } },
        yAxis: { type: "value" },
        series: [
          { name: "平均处理", type: "bar", data: tickets.categories.map((c) => Math.round(byCategory[c.category]?.avg_resolve_minutes || 0)), itemStyle: { color: "#fa5151" } },
          { name: "时限", type: "line", data: tickets.categories.map((c) => c.resolve_within_minutes), itemStyle: { color: "#576b95" } },
        ],
      });
    }
    Vue.onBeforeUnmount(() => {
      gone = true;
      charts.forEach((chart) => chart.dispose());
    });
    return { page, perDay, perSlot, rooms, repairs, sla, slotTitle };
  },
};
