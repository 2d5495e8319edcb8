// Admin: what the centre pays the partner gyms for a month, per gym, and its Excel workbook.
import { Vue } from "../vendor.js";
import { api } from "../api.js";
import { localMonth } from "../format.js";
import { usePage, useAction } from "../ui.js";

export default {
  template: `
    <div class="admin">
      <div class="admin-bar first">
        <input v-model="month" type="month" aria-label="月份" data-testid="settlement-month" @change="page.reload()" />
        <van-button type="primary" plain :loading="xlsx.busy" data-testid="settlement-xlsx" @click="xlsx.run(month)">导出 Excel</van-button>
      </div>
      <page-state :page="page" empty="这个月没有结算数据">
        <table class="admin-table" data-testid="settlement-table">
          <thead><tr><th>场馆</th><th>签到</th><th class="hide-narrow">散客</th><th class="hide-narrow">课程</th><th>迟取消</th><th>爽约</th><th>结算人次</th></tr></thead>
          <tbody>
            <tr v-for="r in page.data.items" :key="r.gym.id" :data-testid="'settlement-' + r.gym.id">
              <td>{{ r.gym.name }}</td><td>{{ r.check_ins }}</td><td class="hide-narrow">{{ r.walk_ins }}</td><td class="hide-narrow">{{ r.classes }}</td>
              <td>{{ r.late_cancels }}</td><td>{{ r.no_shows }}</td><td><b>{{ r.billable }}</b></td>
            </tr>
          </tbody>
        </table>
        <div class="hint">结算人次 = 签到 + 迟取消 + 爽约；按预约所属月份统计。</div>
      </page-state>
    </div>`,
  setup() {
    const month = Vue.ref(localMonth(0));
    const page = usePage(() => api.get("/admin/gym/settlement", { month: month.value }, { quiet: true }));
    const xlsx = useAction((key, m) => api.download(`/admin/gym/settlement?month=${m}&format=xlsx`, `场馆结算-${m}.xlsx`));
    return { month, page, xlsx };
  },
};
