// Procurement's monthly report: spend by department (ECharts) and by category, and the xlsx.
import { Vue, loadECharts } from "../vendor.js";
import { api } from "../api.js";
import { yuan } from "../format.js";
import { usePage } from "../ui.js";

function thisMonth() {
  return new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit" }).format(new Date());
}

export default {
  template: `
    <div>
      <van-cell-group inset class="gap">
        <van-field v-model="month" label="月份" type="month" data-testid="report-month" @change="page.reload()" />
      </van-cell-group>
      <page-state :page="page" :pull="false">
      <van-cell-group inset class="gap">
        <van-cell title="当月支出" :value="report ? yuan(report.total_fen) : '—'" :label="report ? report.count + ' 笔' : ''" data-testid="report-total" />
      </van-cell-group>
      <div class="chart-card"><div class="chart-title">各部门支出（元）</div><div ref="chartEl" class="chart" data-testid="chart-procurement-dept"></div></div>
      <div class="section-title">按类别</div>
      <van-cell-group inset>
        <van-cell v-for="c in report?.by_category || []" :key="c.category" :title="c.label" :label="c.count + ' 笔'"
                  :value="yuan(c.total_fen)" :data-testid="'report-category-' + c.category" />
      </van-cell-group>
      <div class="actions"><van-button block round plain type="primary" :loading="exporting" data-testid="report-xlsx" @click="download">导出 Excel</van-button></div>
      </page-state>
    </div>`,
  setup() {
    const month = Vue.ref(thisMonth());
    const chartEl = Vue.ref(null);
    const exporting = Vue.ref(false);
    let chart = null;
    const page = usePage(async () => {
      const [echarts, data] = await Promise.all([loadECharts(), api.get("/admin/procurement/report", { month: month.value }, { quiet: true })]);
      return { echarts: Vue.markRaw(echarts), data };
    }, { isEmpty: () => false });
    const report = Vue.computed(() => page.data?.data);
    // The chart's element exists once the loaded state is shown: draw then.
    Vue.watch(() => [page.state, page.data], async ([state]) => {
      if (state !== "loaded") return;
      await Vue.nextTick();
      if (chartEl.value) draw(page.data);
    });
    function draw({ echarts, data }) {
      chart = echarts.getInstanceByDom(chartEl.value) || echarts.init(chartEl.value, null, { renderer: "svg" });
      chart.setOption({
        animation: false,
        grid: { left: 100, right: 40, top: 10, bottom: 20 },
        xAxis: { type: "value" },
        yAxis: { type: "category", data: data.by_department.map((d) => d.department), axisLabel: { fontSize: 10, width: 90, overflow: "truncate" } },
        series: [{ type: "bar", data: data.by_department.map((d) => d.total_fen / 100), itemStyle: { color: "#07c160" }, label: { show: true, position: "right" } }],
      }, true);
    }
    async function download() {
      exporting.value = true;
      try {
        await api.download(`/admin/procurement/report?month=${month.value}&format=xlsx`, `采购月报-${month.value}.xlsx`);
      } finally {
        exporting.value = false;
      }
    }
    Vue.onBeforeUnmount(() => chart?.dispose());
    return { page, month, report, chartEl, exporting, download, yuan };
  },
};
