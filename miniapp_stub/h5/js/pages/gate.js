// The gate: scan a visitor pass → a big valid / invalid answer with masked details; today's log.
import { Vue } from "../vendor.js";
import { api, dateTime, hhmm, localDate } from "../api.js";
import { wx } from "../wx.js";
import { usePage } from "../ui.js";
import { useVerdict, VerdictPending } from "../verdict.js";

const REASONS = {
  unknown: "无效通行码", revoked: "通行证已撤销", expired: "通行证已过期",
  not_yet_valid: "未到有效时间", used_up: "入场次数已用完",
};
const GATE_KEY = "qe.gate";

export default {
  components: { VerdictPending },
  template: `
    <div class="gate">
      <van-cell-group inset class="first">
        <van-field v-model.trim="gate" label="当前门岗" placeholder="如 东门" data-testid="gate-name" @change="saveGate" />
        <van-field v-model.trim="code" label="通行码" placeholder="扫码或输入通行码" data-testid="gate-code"
                   clearable @keyup.enter="submit" />
      </van-cell-group>
      <div class="scan-row">
        <van-button type="primary" class="scan-big" data-testid="gate-scan" :disabled="!gate || verdict.busy" @click="scan">扫描访客通行码</van-button>
        <van-button plain type="primary" class="scan-big" data-testid="gate-submit" :loading="verdict.busy"
                    :disabled="!gate || !code || verdict.busy" @click="submit">核验</van-button>
      </div>
      <p v-if="!gate" class="hint">请先填写当前门岗</p>
      <van-button block plain class="scan-big" icon="search" data-testid="nav-gate-lookup" url="#/gate/lookup">访客无二维码：查找并人工放行</van-button>
      <verdict-pending :verdict="verdict" testid="gate-result" />
      <div v-if="verdict.state === 'valid' || verdict.state === 'invalid'" :data-state="verdict.state"
           :class="['result-card', verdict.state]" data-testid="gate-result" role="status">
        <div class="result-mark">{{ verdict.state === "valid" ? "✓" : "✕" }}</div>
        <div class="result-title" data-testid="gate-verdict">{{ verdict.state === "valid" ? "核验通过，准予通行" : REASONS[verdict.data.reason] || "核验未通过" }}</div>
        <div v-if="verdict.state === 'valid'" class="result-rows">
          <div><span>访客</span><b data-testid="gate-visitor">{{ verdict.data.pass.visitor_name }}</b></div>
          <div><span>手机</span><b data-testid="gate-phone">{{ verdict.data.pass.visitor_phone_masked }}</b></div>
          <div v-if="verdict.data.pass.plate"><span>车牌</span><b>{{ verdict.data.pass.plate }}</b></div>
          <div><span>被访人</span><b>{{ verdict.data.pass.host_name }}</b></div>
          <div><span>事由</span><b>{{ verdict.data.pass.purpose }}</b></div>
          <div><span>剩余次数</span><b>{{ verdict.data.pass.entries_left }}</b></div>
          <div><span>有效至</span><b>{{ dateTime(verdict.data.pass.valid_to) }}</b></div>
        </div>
      </div>
      <div v-if="verdict.state === 'refused'" class="result-card invalid" data-testid="gate-result" data-state="invalid" role="alert">
        <div class="result-mark">✕</div>
        <div class="result-title" data-testid="gate-verdict">{{ verdict.error.message }}</div>
      </div>
      <div class="section-title">今日入场记录 <span class="muted" data-testid="gate-total">共 {{ page.data ? page.data.total : 0 }} 人次</span></div>
      <page-state :page="page" empty="今天还没有入场记录" :pull="false">
        <van-cell-group inset>
          <van-cell v-for="e in page.data.items" :key="e.id" :data-testid="'entry-' + e.id">
            <template #title>{{ e.visitor_name }} <span class="muted">{{ e.visitor_phone_masked }}</span></template>
            <template #label>{{ e.gate }} · 被访人 {{ e.host_name }}{{ e.plate ? " · " + e.plate : "" }}</template>
            <template #value>{{ hhmm(e.at) }}</template>
          </van-cell>
        </van-cell-group>
      </page-state>
    </div>`,
  setup() {
    const gate = Vue.ref(localStorage.getItem(GATE_KEY) || "东门");
    const code = Vue.ref("");
    const page = usePage(() => api.get("/gate/entries", { date: localDate(0), limit: 100 }, { quiet: true }), {
      isEmpty: (data) => !data.items.length,
    });
    const verdict = useVerdict(
      (key, token, where) => api.post("/gate/verify", { token, gate: where }, { key, quiet: true }),
      { judge: (answer) => (answer.valid ? "valid" : "invalid") },
    );
    async function submit() {
      if (!code.value || !gate.value) return;
      const answer = await verdict.run(code.value, gate.value);
      if (answer?.valid) page.refresh();
    }
    async function scan() {
      verdict.clear(); // a new scan starts: the last verdict leaves the screen at once
      let scanned;
      try {
        scanned = await wx.scanCode();
      } catch (cancelled) {
        return;
      }
      code.value = scanned.result;
      await submit();
    }
    return { gate, code, page, verdict, scan, submit, REASONS, dateTime, hhmm, saveGate: () => localStorage.setItem(GATE_KEY, gate.value) };
  },
};
