// The librarian's desk: lend a copy to a reader by employee number, take returns from the
// drop box by scanning barcodes (a copy someone is waiting for goes to the hold shelf),
// and the overdue list.
import { Vue } from "../vendor.js";
import { api, dateTime } from "../api.js";
import { wx } from "../wx.js";
import { useVerdict, VerdictPending } from "../verdict.js";

async function scanned() {
  try {
    return (await wx.scanCode()).result;
  } catch (cancelled) {
    return null;
  }
}

export default {
  components: { VerdictPending },
  template: `
    <div class="library-desk">
      <van-cell-group inset class="first">
        <van-field v-model.trim="employeeNo" label="读者工号" placeholder="如 S0001" data-testid="desk-employee-no" />
      </van-cell-group>
      <van-button type="primary" block class="scan-big" data-testid="desk-lend-scan" :disabled="!employeeNo || verdict.busy" @click="lend">扫码借出</van-button>
      <van-button type="success" block class="scan-big" data-testid="desk-return-scan" :disabled="verdict.busy" @click="takeReturn">扫码还书</van-button>
      <van-button block plain class="scan-big" icon="records-o" data-testid="nav-library-manage" url="#/library/manage">新书入藏 · 挂失 · 逾期清单</van-button>
      <verdict-pending :verdict="verdict" testid="desk-result" />
      <div v-if="verdict.state === 'refused'" class="result-card invalid" data-testid="desk-result" data-state="refused" role="alert">
        <div class="result-mark">✕</div>
        <div class="result-title">{{ verdict.error.message }}</div>
      </div>
      <div v-if="result" :class="['result-card', 'valid']" data-testid="desk-result" data-state="ok">
        <div class="result-title">{{ result.headline }}</div>
        <div class="result-rows">
          <div><span>书名</span><b>{{ result.loan.title.title }}</b></div>
          <div><span>条码</span><b>{{ result.loan.barcode }}</b></div>
          <div><span>读者</span><b>{{ result.loan.borrower.name }}</b></div>
          <div v-if="result.kind === 'lend'"><span>应还</span><b>{{ dateTime(result.loan.due_at) }}</b></div>
          <div v-if="result.kind === 'return'"><span>去向</span><b data-testid="desk-shelf">{{ result.hold ? "放预约书架（已通知预约读者）" : "归还书架" }}</b></div>
        </div>
      </div>
      <div class="section-title">逾期未还 <span class="muted" data-testid="overdue-total">{{ overdue.length }} 笔</span></div>
      <van-empty v-if="loaded && !overdue.length" description="没有逾期的借阅" />
      <van-cell-group inset>
        <van-cell v-for="l in overdue" :key="l.id" :data-testid="'overdue-' + l.id">
          <template #title>{{ l.title.title }} <span class="muted">{{ l.barcode }}</span></template>
          <template #label>{{ l.borrower.name }} · 应还 {{ dateTime(l.due_at) }}</template>
          <template #value><van-tag type="danger">逾期 {{ l.days_overdue }} 天</van-tag></template>
        </van-cell>
      </van-cell-group>
    </div>`,
  setup() {
    const employeeNo = Vue.ref("");
    const verdict = useVerdict(
      async (key, kind, body) => {
        if (kind === "lend") return { kind, headline: "借出成功", loan: await api.post("/library/loans", body, { key, quiet: true }) };
        return { kind, headline: "还书成功", ...(await api.post("/library/returns", body, { key, quiet: true })) };
      },
      { toastRefusals: true },
    );
    // The card of the last answer, only while it is the verdict on screen.
    const result = Vue.computed(() => (verdict.state === "ok" ? verdict.data : null));
    const overdue = Vue.ref([]);
    const loaded = Vue.ref(false);
    async function loadOverdue() {
      overdue.value = (await api.get("/library/desk/overdue", { limit: 100 })).items;
      loaded.value = true;
    }
    async function lend() {
      verdict.clear(); // a new scan starts: the last verdict leaves the screen at once
      const barcode = await scanned();
      if (!barcode) return;
      await verdict.run("lend", { barcode, employee_no: employeeNo.value });
    }
    async function takeReturn() {
      verdict.clear();
      const barcode = await scanned();
      if (!barcode) return;
      if (await verdict.run("return", { barcode })) await loadOverdue().catch(() => {});
    }
    Vue.onMounted(loadOverdue);
    return { employeeNo, verdict, result, overdue, loaded, lend, takeReturn, dateTime };
  },
};
