// A partner gym's front desk: its desk key (kept on this device), scan a member's voucher,
// check in once. Desk calls carry the desk key, never the logged-in user's token.
import { Vue } from "../vendor.js";
import { ApiError, dateTime } from "../api.js";
import { wx } from "../wx.js";
import { takeDeskKeyFromUrl } from "../gym-desk-key.js";
import { useVerdict, VerdictPending } from "../verdict.js";

const KEY = "qe.gymdesk";

async function deskCheckin(idempotencyKey, deskKey, code) {
  let response;
  try {
    response = await fetch("/api/v1/gym/desk/checkin", {
      method: "POST",
      headers: { Authorization: `Bearer ${deskKey}`, "Content-Type": "application/json", "Idempotency-Key": idempotencyKey },
      body: JSON.stringify({ code }),
    });
  } catch (err) {
    throw new ApiError(0, "network", "网络连接失败，请稍后重试");
  }
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    const error = data.error || {};
    throw new ApiError(response.status, error.code, error.message || `请求失败（${response.status}）`, error.details);
  }
  return data;
}

export default {
  components: { VerdictPending },
  template: `
    <div class="gate">
      <van-cell-group inset class="first">
        <van-field v-model.trim="key" label="前台密钥" type="password" placeholder="由管理员签发" data-testid="desk-key" @change="saveKey" />
      </van-cell-group>
      <van-button type="primary" block class="scan-big" data-testid="desk-scan" :disabled="!key || verdict.busy" :loading="verdict.busy" @click="scan">扫描会员入场券</van-button>
      <verdict-pending :verdict="verdict" testid="desk-result" />
      <div v-if="verdict.state === 'ok' || verdict.state === 'refused'" :class="['result-card', verdict.state === 'ok' ? 'valid' : 'invalid']"
           data-testid="desk-result" :data-state="verdict.state">
        <div class="result-mark">{{ verdict.state === "ok" ? "✓" : "✕" }}</div>
        <div class="result-title" data-testid="desk-verdict">{{ verdict.state === "ok" ? "签到成功" : verdict.error.message }}</div>
        <div v-if="verdict.state === 'ok'" class="result-rows">
          <div><span>会员</span><b data-testid="desk-member">{{ verdict.data.member.name_masked }}</b></div>
          <div><span>单位</span><b data-testid="desk-dept">{{ verdict.data.member.department }}</b></div>
          <div><span>项目</span><b>{{ verdict.data.booking.session ? verdict.data.booking.session.name : "到店体验" }}</b></div>
          <div><span>签到时间</span><b>{{ dateTime(verdict.data.booking.checked_in_at) }}</b></div>
        </div>
      </div>
    </div>`,
  setup() {
    const key = Vue.ref(takeDeskKeyFromUrl() || localStorage.getItem(KEY) || "");
    const verdict = useVerdict((idempotencyKey, code) => deskCheckin(idempotencyKey, key.value, code), { toastRefusals: true });
    async function scan() {
      verdict.clear(); // a new scan starts: the last verdict leaves the screen at once
      let scanned;
      try {
        scanned = await wx.scanCode();
      } catch (cancelled) {
        return;
      }
      await verdict.run(scanned.result);
    }
    return { key, verdict, scan, dateTime, saveKey: () => localStorage.setItem(KEY, key.value) };
  },
};
