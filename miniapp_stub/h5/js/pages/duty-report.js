// The station's monthly report (admin and the counters): per service the appointments,
// walk-ins, errands, done and no-shows (ECharts) and the average wait and handling
// minutes, with the same table as xlsx.
import { Vue, loadECharts } from "../vendor.js";
import { api } from "../api.js";
import { localMonth } from "../format.js";
import { usePage } from "../ui.js";
import { useDutyStyles } from "./duty-common.js";

const minutes = (value) => (value === null || value === undefined ? "—" : `${Number(value).toFixed(1)}`);

export default {
  template: `
    <div class="desk">
      <van-cell-group inset class="gap desk-wide">
        <van-field v-model="month" label="月份" type="month" data-testid="report-month" @change="page.reload()" />
      </van-cell-group>
      <page-state :page="page" empty="该月没有勤务站业务记录" class="desk-wide">
        <div class="desk">
          <div class="chart-card"><div class="chart-title">各业务办理量</div><div ref="chartEl" class="chart" :style="{ height: chartHeight + 'px' }" data-testid="chart-duty"></div></div>
          <div class="chart-card">
            <table class="duty-table" data-testid="duty-report-table">
              <thead><tr><th>业务</th><th>预约</th><th>现场</th><th>代办</th><th>办结</th><th>过号</th><th>平均等候(分)</th><th>平均办理(分)</th></tr></thead>
              <tbody>
                <tr v-for="r in page.data.items" :key="r.service" :data-testid="'duty-report-row'">
                  <td>{{ r.service }}</td><td>{{ r.appointments }}</td><td>{{ r.walk_ins }}</td><td>{{ r.errands }}</td>
                  <td>{{ r.done }}</td><td>{{ r.no_shows }}</td><td>{{ minutes(r.avg_wait_minutes) }}</td><td>{{ minutes(r.avg_serve_minutes) }}</td>
                </tr>
              </tbody>
            </table>
          </div>
        </div>
      </page-state>
      <div class="actions desk-wide"><van-button block round plain type="primary" :loading="downloading" data-testid="report-xlsx" @click="download">导出 Excel</van-button></div>
    </div>`,
  setup() {
    useDutyStyles();
    const month = Vue.ref(localMonth());
    const chartEl = Vue.ref(null);
    const downloading = Vue.ref(false);
    let chart = null;
    const page = usePage(async () => {
      const [, data] = await Promise.all([loadECharts(), api.get("/admin/duty/report", { month: month.value }, { quiet: true })]);
      return data;
    }, { isEmpty: (data) => !data.items.some((r) => r.appointments + r.walk_ins + r.errands > 0) });
    Vue.watch(() => [page.state, page.data], async () => {
      if (page.state !== "loaded") return;
      await Vue.nextTick();
      if (!chartEl.value) return;
      chart?.dispose();
      chart = window.echarts.init(chartEl.value, null, { renderer: "svg" });
      const rows = page.data.items;
      // Horizontal bars: a station's service names stay readable however many there are.
      const bar = (name, key, color, stack = "in") => ({ name, type: "bar", stack, data: rows.map((r) => r[key]), itemStyle: { color } });
      chart.setOption({
        animation: false,
        legend: { top: 0 },
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
        grid: { left: 100, right: 24, top: 32, bottom: 24 },
        yAxis: { type: "category", inverse: true, data: rows.map((r) => r.service), axisLabel: { fontSize: 11, width: 90, overflow: "truncate" } },
        xAxis: { type: "value", minInterval: 1 },
        series: [
          bar("预约", "appointments", "#10aeff"), bar("现场", "walk_ins", "#07c160"), bar("代办", "errands", "#fa9d3b"),
          bar("过号", "no_shows", "#fa5151", "miss"),
        ],
      }, true);
      chart.resize();
    }, { flush: "post" });
    Vue.onBeforeUnmount(() => chart?.dispose());
    async function download() {
      downloading.value = true;
      try {
        await api.download(`/admin/duty/report?month=${month.value}&format=xlsx`, `勤务站月报-${month.value}.xlsx`);
      } catch (err) {
        // the toast shows why
      } finally {
        downloading.value = false;
      }
    }
    const chartHeight = Vue.computed(() => Math.max(220, 60 + 30 * (page.data?.items.length || 0)));
    return { month, page, chartEl, chartHeight, downloading, download, minutes };
  },
};
