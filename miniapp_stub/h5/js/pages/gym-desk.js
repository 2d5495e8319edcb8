// A partner gym's front desk: its desk key (kept on this device), scan a member's voucher,
// check in once. Desk calls carry the desk key, never the logged-in user's token.
import { Vue } from "../vendor.js";
import { dateTime, showToast } from "../api.js";
import { wx } from "../wx.js";
import { takeDeskKeyFromUrl } from "../gym-desk-key.js";

const KEY = "qe.gymdesk";

async function deskCheckin(key, code) {
  const response = await fetch("/api/v1/gym/desk/checkin", {
    method: "POST",
    headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
    body: JSON.stringify({ code }),
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    const message = data.error?.message || `请求失败（${response.status}）`;
    showToast(message);
    return { ok: false, message };
  }
  return { ok: true, ...data };
}

export default {
  template: `
    <div class="gate">
      <van-cell-group inset class="first">
        <van-field v-model.trim="key" label="前台密钥" type="password" placeholder="由管理员签发" data-testid="desk-key" @change="saveKey" />
      </van-cell-group>
      <van-button type="primary" block class="scan-big" data-testid="desk-scan" :disabled="!key" @click="scan">扫描会员入场券</van-button>
      <div v-if="result" :class="['result-card', result.ok ? 'valid' : 'invalid']" data-testid="desk-result">
        <div class="result-mark">{{ result.ok ? "✓" : "✕" }}</div>
        <div class="result-title" data-testid="desk-verdict">{{ result.ok ? "签到成功" : result.message }}</div>
        <div v-if="result.ok" class="result-rows">
          <div><span>会员</span><b data-testid="desk-member">{{ result.member.name_masked }}</b></div>
          <div><span>单位</span><b data-testid="desk-dept">{{ result.member.department }}</b></div>
          <div><span>项目</span><b>{{ result.booking.session ? result.booking.session.name : "到店体验" }}</b></div>
          <div><span>签到时间</span><b>{{ dateTime(result.booking.checked_in_at) }}</b></div>
        </div>
      </div>
    </div>`,
  setup() {
    const key = Vue.ref(takeDeskKeyFromUrl() || localStorage.getItem(KEY) || "");
    const result = Vue.ref(null);
    async function scan() {
      let scanned;
      try {
        scanned = await wx.scanCode();
      } catch (cancelled) {
        return;
      }
      result.value = await deskCheckin(key.value, scanned.result);
    }
    return { key, result, scan, dateTime, saveKey: () => localStorage.setItem(KEY, key.value) };
  },
};
