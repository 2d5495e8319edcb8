// The gate: scan a visitor pass → a big valid / invalid answer with masked details; today's log.
import { Vue } from "../vendor.js";
import { api, dateTime, hhmm, localDate } from "../api.js";
import { wx } from "../wx.js";

const REASONS = {
  unknown: "无效通行码", revoked: "通行证已撤销", expired: "通行证已过期",
  not_yet_valid: "未到有效时间", used_up: "入场次数已用完",
};
const GATE_KEY = "qe.gate";

export default {
  template: `
    <div class="gate">
      <van-cell-group inset class="first">
        <van-field v-model.trim="gate" label="当前门岗" placeholder="如 东门" data-testid="gate-name" @change="saveGate" />
      </van-cell-group>
      <van-button type="primary" block class="scan-big" data-testid="gate-scan" :disabled="!gate" @click="scan">扫描访客通行码</van-button>
      <van-button block plain class="scan-big" icon="search" data-testid="nav-gate-lookup" url="#/gate/lookup">访客无二维码：查找并人工放行</van-button>
      <div v-if="result" :class="['result-card', result.valid ? 'valid' : 'invalid']" data-testid="gate-result">
        <div class="result-mark">{{ result.valid ? "✓" : "✕" }}</div>
        <div class="result-title" data-testid="gate-verdict">{{ result.valid ? "核验通过，准予通行" : REASONS[result.reason] || "核验未通过" }}</div>
        <div v-if="result.valid" class="result-rows">
          <div><span>访客</span><b data-testid="gate-visitor">{{ result.pass.visitor_name }}</b></div>
          <div><span>手机</span><b data-testid="gate-phone">{{ result.pass.visitor_phone_masked }}</b></div>
          <div v-if="result.pass.plate"><span>车牌</span><b>{{ result.pass.plate }}</b></div>
          <div><span>被访人</span><b>{{ result.pass.host_name }}</b></div>
          <div><span>事由</span><b>{{ result.pass.purpose }}</b></div>
          <div><span>剩余次数</span><b>{{ result.pass.entries_left }}</b></div>
          <div><span>有效至</span><b>{{ dateTime(result.pass.valid_to) }}</b></div>
        </div>
      </div>
      <div class="section-title">今日入场记录 <span class="muted" data-testid="gate-total">共 {{ log.total }} 人次</span></div>
      <van-empty v-if="loaded && !log.items.length" description="今天还没有入场记录" />
      <van-cell-group inset>
        <van-cell v-for="e in log.items" :key="e.id" :data-testid="'entry-' + e.id">
          <template #title>{{ e.visitor_name }} <span class="muted">{{ e.visitor_phone_masked }}</span></template>
          <template #label>{{ e.gate }} · 被访人 {{ e.host_name }}{{ e.plate ? " · " + e.plate : "" }}</template>
          <template #value>{{ hhmm(e.at) }}</template>
        </van-cell>
      </van-cell-group>
    </div>`,
  setup() {
    const gate = Vue.ref(localStorage.getItem(GATE_KEY) || "东门");
    const result = Vue.ref(null);
    const log = Vue.ref({ items: [], total: 0 });
    const loaded = Vue.ref(false);
    async function loadLog() {
      log.value = await api.get("/gate/entries", { date: localDate(0), limit: 100 });
      loaded.value = true;
    }
    async function scan() {
      let scanned;
      try {
        scanned = await wx.scanCode();
      } catch (cancelled) {
        return;
      }
      result.value = await api.post("/gate/verify", { token: scanned.result, gate: gate.value });
      if (result.value.valid) await loadLog();
    }
    Vue.onMounted(loadLog);
    return { gate, result, log, loaded, scan, REASONS, dateTime, hhmm, saveGate: () => localStorage.setItem(GATE_KEY, gate.value) };
  },
};
