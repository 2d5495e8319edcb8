// The gate without a QR: find a visitor's pass by a name fragment or the phone's last 4 digits,
// admit them by hand with a reason (counted once, like a scan), and today's entry log, where a
// manual admission says 人工放行 and why.
import { Vue } from "../vendor.js";
import { api, showToast } from "../api.js";
import { dateTime, hhmm, localDate, span, dayLabel, statusText } from "../format.js";
import { useAction, usePage } from "../ui.js";

const GATE_KEY = "qe.gate";

export default {
  template: `
    <div class="desk gate-lookup">
      <div>
        <van-cell-group inset class="first">
          <van-field v-model.trim="gate" label="当前门岗" placeholder="如 东门" data-testid="lookup-gate" @change="saveGate" />
          <van-field v-model.trim="q" label="查找访客" placeholder="姓名中的字，或手机号后4位" maxlength="32"
                     data-testid="lookup-q" @keydown.enter.prevent="search">
            <template #button><van-button size="small" type="primary" class="tap" :disabled="!q" data-testid="lookup-search" @click="search">查找</van-button></template>
          </van-field>
        </van-cell-group>
        <div v-if="result" :class="['result-card', result.valid ? 'valid' : 'invalid']" data-testid="lookup-result"
             :data-state="result.valid ? 'valid' : 'invalid'">
          <div class="result-mark">{{ result.valid ? "✓" : "✕" }}</div>
          <div class="result-title" data-testid="lookup-verdict">{{ result.valid ? "人工放行，已登记入场" : statusText("gate", result.reason) }}</div>
          <div v-if="result.valid" class="result-rows">
            <div><span>访客</span><b>{{ result.pass.visitor_name }}</b></div>
            <div><span>手机</span><b>{{ result.pass.visitor_phone_masked }}</b></div>
            <div v-if="result.pass.plate"><span>车牌</span><b>{{ result.pass.plate }}</b></div>
            <div><span>被访人</span><b>{{ result.pass.host_name }}</b></div>
            <div><span>事由</span><b>{{ result.pass.purpose }}</b></div>
            <div><span>剩余次数</span><b>{{ result.pass.entries_left }}</b></div>
            <div><span>入场时间</span><b>{{ dateTime(result.entry.at) }} · {{ result.entry.gate }}</b></div>
          </div>
        </div>
        <p class="hint">仅列出此刻可入场的通行证（在有效期内、仍有剩余次数）。请核对身份证件后再放行。</p>
        <page-state v-if="searched" :page="found" :pull="false" empty="没有找到可入场的通行证">
          <van-cell-group inset>
            <van-cell v-for="p in found.data.items" :key="p.id" :data-testid="'lookup-pass-' + p.id">
              <template #title>{{ p.visitor_name }} <span class="muted">{{ p.visitor_phone_masked }}</span></template>
              <template #label>
                <div>被访人 {{ p.host_name || "—" }} · {{ p.purpose }}{{ p.plate ? " · " + p.plate : "" }}</div>
                <div>有效 {{ span(p.valid_from) }} 至 {{ dateTime(p.valid_to) }} · 剩余 {{ p.entries_left }} 次</div>
              </template>
              <template #right-icon>
                <van-button type="primary" class="tap" :disabled="!gate" :data-testid="'lookup-admit-' + p.id" @click="choose(p)">放行</van-button>
              </template>
            </van-cell>
          </van-cell-group>
          <div v-if="!gate" class="hint reason-line">请先填写当前门岗</div>
        </page-state>

      </div>

      <div>
        <div class="section-title">{{ dayLabel(today) }} 入场记录 <span class="muted" data-testid="lookup-total">共 {{ log.data?.total ?? 0 }} 人次</span></div>
        <page-state :page="log" :pull="false" empty="今天还没有入场记录">
          <div class="desk-table-wrap">
            <table class="desk-table" data-testid="entry-log">
              <thead><tr><th>时间</th><th>访客</th><th>手机</th><th>门岗</th><th>被访人</th><th>方式</th><th>门岗人员</th></tr></thead>
              <tbody>
                <tr v-for="e in log.data.items" :key="e.id" :data-testid="'log-' + e.id">
                  <td>{{ hhmm(e.at) }}</td><td>{{ e.visitor_name }}</td><td>{{ e.visitor_phone_masked }}</td><td>{{ e.gate }}</td>
                  <td>{{ e.host_name || "—" }}</td>
                  <td class="wrap">
                    <template v-if="e.manual"><van-tag type="warning" :data-testid="'log-manual-' + e.id">人工放行</van-tag>
                      <div class="muted" :data-testid="'log-reason-' + e.id">{{ e.reason }}</div></template>
                    <van-tag v-else type="success">扫码</van-tag>
                  </td>
                  <td>{{ e.guard.name || "—" }}</td>
                </tr>
              </tbody>
            </table>
          </div>
        </page-state>
      </div>

      <van-popup v-model:show="admitting" position="bottom" round class="sheet">
        <div class="sheet-title">人工放行 {{ chosen?.visitor_name }}</div>
        <van-field v-model.trim="reason" type="textarea" rows="2" autosize maxlength="200" required
                   placeholder="放行原因（必填），如 访客手机没电，已核对身份证" data-testid="lookup-reason"
                   :error-message="admit.fields.reason || admit.fields.gate" />
        <div class="actions">
          <van-button block round type="primary" :loading="admit.busy" :disabled="!reason || !gate" data-testid="lookup-admit-confirm"
                      @click="confirmAdmit">确认放行</van-button>
        </div>
      </van-popup>
    </div>`,
  setup() {
    const gate = Vue.ref(localStorage.getItem(GATE_KEY) || "东门");
    const q = Vue.ref("");
    const searched = Vue.ref(false);
    const today = localDate(0);
    const result = Vue.ref(null);
    const admitting = Vue.ref(false);
    const chosen = Vue.ref(null);
    const reason = Vue.ref("");

    const found = usePage(() => api.get("/gate/passes", { q: q.value, limit: 50 }, { quiet: true }), { immediate: false });
    const log = usePage(() => api.get("/gate/entries", { date: today, limit: 100 }, { quiet: true }));
    function search() {
      if (!q.value) return;
      searched.value = true;
      result.value = null;
      found.reload();
    }
    function choose(pass) {
      chosen.value = pass;
      reason.value = "";
      admit.reset();
      admitting.value = true;
    }
    // One admission = one key: a retried tap never counts a second entry.
    const admit = useAction((key, passId, body) => api.post(`/gate/passes/${passId}/admit`, body, { key, quiet: true }), {
      async done(verdict) {
        result.value = verdict;
        admitting.value = false;
        showToast(verdict.valid ? "已放行" : statusText("gate", verdict.reason), verdict.valid ? "success" : "fail");
        found.refresh();
        log.refresh();
      },
    });
    function confirmAdmit() {
      admit.run(chosen.value.id, { gate: gate.value, reason: reason.value });
    }
    return {
      gate, q, searched, today, result, admitting, chosen, reason, found, log, admit, search, choose, confirmAdmit,
      saveGate: () => localStorage.setItem(GATE_KEY, gate.value), dateTime, hhmm, span, dayLabel, statusText,
    };
  },
};
