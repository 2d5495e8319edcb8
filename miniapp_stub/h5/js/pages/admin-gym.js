// Admin: one gym's class sessions of a day (and adding weekly ones), and its desk keys:
// a new key is shown once, as the QR the desk device scans to sign in; the list never shows it.
import { Vue, vant } from "../vendor.js";
import { api, showToast } from "../api.js";
import { route } from "../router.js";
import { dateTime, hhmm, isoAt, localDate, span } from "../format.js";
import { usePage, useAction } from "../ui.js";

export default {
  template: `
    <div class="admin desk">
      <page-state :page="gym" :pull="false" class="desk-wide">
        <div class="admin-bar first" data-testid="gym-head">
          <b>{{ gym.data.name }}</b><span class="muted">{{ gym.data.address }} · {{ gym.data.open_hours }}</span>
          <van-tag :type="gym.data.active ? 'success' : 'default'">{{ gym.data.active ? '合作中' : '已停用' }}</van-tag>
        </div>
      </page-state>
      <div>
        <div class="section-title">前台密钥</div>
        <div class="admin-bar">
          <van-button type="primary" :loading="issue.busy" data-testid="desk-key-new" @click="issue.run()">生成前台密钥</van-button>
        </div>
        <page-state :page="keys" :pull="false" empty="还没有前台密钥">
          <table class="admin-table" data-testid="desk-keys-table">
            <thead><tr><th>编号</th><th>生成于</th><th>最近使用</th><th>状态</th></tr></thead>
            <tbody>
              <tr v-for="k in keys.data.items" :key="k.id" :class="{ inactive: k.revoked_at }" :data-testid="'desk-key-' + k.id">
                <td>#{{ k.id }}</td><td>{{ dateTime(k.created_at) }}</td>
                <td>{{ k.last_used_at ? dateTime(k.last_used_at) : '未使用' }}</td>
                <td>
                  <span v-if="k.revoked_at" class="muted">已吊销 {{ dateTime(k.revoked_at) }}</span>
                  <van-button v-else size="small" plain type="danger" :loading="revoke.busy && revokeId === k.id"
                              :data-testid="'desk-key-revoke-' + k.id" @click="askRevoke(k)">吊销</van-button>
                </td>
              </tr>
            </tbody>
          </table>
        </page-state>
      </div>
      <div>
        <div class="section-title">课程</div>
        <div class="admin-bar">
          <input v-model="day" type="date" aria-label="日期" data-testid="gym-sessions-date" @change="sessions.reload()" />
        </div>
        <page-state :page="sessions" :pull="false" :empty="gym.data && !gym.data.active ? '场馆已停用，不显示课程' : '这一天没有课程'">
          <table class="admin-table" data-testid="gym-sessions-table">
            <thead><tr><th>课程</th><th>时间</th><th>预约/名额</th></tr></thead>
            <tbody>
              <tr v-for="s in sessions.data.items" :key="s.id"><td>{{ s.name }}<div class="muted">{{ s.coach }}</div></td>
                <td>{{ span(s.start, s.end) }}</td><td>{{ s.booked }}/{{ s.capacity }}{{ s.waitlist ? ' · 候补' + s.waitlist : '' }}</td></tr>
            </tbody>
          </table>
        </page-state>
        <div class="section-title">新增课程（按周重复）</div>
        <van-cell-group inset data-testid="gym-session-new">
          <van-field v-model.trim="form.name" label="课程" required :error-message="add.fields['sessions.0.name']" />
          <van-field v-model.trim="form.coach" label="教练" required :error-message="add.fields['sessions.0.coach']" />
          <van-field v-model="form.date" type="date" label="首次日期" :error-message="add.fields['sessions.0.start']" />
          <van-field v-model="form.from" type="time" label="开始" />
          <van-field v-model="form.to" type="time" label="结束" :error-message="add.fields['sessions.0.end']" />
          <van-field v-model.number="form.capacity" type="digit" label="名额" :error-message="add.fields['sessions.0.capacity']" />
          <van-field label="重复周数" :error-message="add.fields.weeks"><template #input><van-stepper v-model="form.weeks" min="1" max="12" integer /></template></van-field>
        </van-cell-group>
        <field-error :action="add" name="sessions" />
        <div class="actions"><van-button type="primary" block round :loading="add.busy" :disabled="!form.name || !form.coach"
          data-testid="gym-session-submit" @click="addSessions">新增课程</van-button></div>
      </div>
      <van-popup :show="!!issued" round :close-on-click-overlay="false" data-testid="desk-key-once">
        <div v-if="issued" class="key-once">
          <div class="popup-title">前台密钥（仅显示这一次）</div>
          <img :src="issued.qr_png" alt="前台登录二维码" data-testid="desk-key-qr" />
          <div class="hint">用场馆前台设备扫描此二维码登录；也可手工输入下面的密钥。关闭后无法再次查看。</div>
          <code data-testid="desk-key-value">{{ issued.key }}</code>
          <van-button type="primary" block round data-testid="desk-key-close" @click="closeKey">已保存，关闭</van-button>
        </div>
      </van-popup>
    </div>`,
  setup() {
    const id = route.params.id;
    const day = Vue.ref(localDate(0));
    const issued = Vue.ref(null);
    const revokeId = Vue.ref(null);
    const gym = usePage(async () => {
      const all = await api.get("/admin/gym/gyms", undefined, { quiet: true });
      const found = all.items.find((g) => String(g.id) === String(id));
      if (!found) throw new Error("场馆不存在");
      return found;
    });
    const keys = usePage(() => api.get(`/admin/gym/gyms/${id}/desk-keys`, undefined, { quiet: true }));
    const sessions = usePage(() => api.get(`/gym/gyms/${id}/sessions`, { date: day.value }, { quiet: true }));
    const issue = useAction((key) => api.post(`/admin/gym/gyms/${id}/desk-keys`, {}, { key, quiet: true }), {
      done(created) { issued.value = created; },
    });
    function closeKey() {
      issued.value = null; // the key leaves the page's memory: nothing can show it again
      keys.refresh();
    }
    const revoke = useAction((key, keyId) => api.post(`/admin/gym/desk-keys/${keyId}/revoke`, {}, { key, quiet: true }), {
      done() { showToast("已吊销", "success"); keys.refresh(); },
    });
    async function askRevoke(k) {
      try {
        await vant.showConfirmDialog({ title: `吊销密钥 #${k.id}？`, message: "吊销后使用该密钥的前台设备立即无法核销。" });
      } catch {
        return;
      }
      revokeId.value = k.id;
      await revoke.run(k.id);
    }
    const form = Vue.reactive({ name: "", coach: "", date: localDate(1), from: "18:00", to: "19:00", capacity: 20, weeks: 1 });
    const add = useAction((key, body) => api.post(`/admin/gym/gyms/${id}/sessions`, body, { key, quiet: true }), {
      done(made) { showToast(`已新增 ${made.items.length} 节课`, "success"); day.value = form.date; sessions.reload(); },
    });
    function addSessions() {
      return add.run({
        sessions: [{ name: form.name, coach: form.coach, start: isoAt(form.date, form.from), end: isoAt(form.date, form.to), capacity: Number(form.capacity) }],
        weeks: Number(form.weeks),
      });
    }
    return { gym, keys, sessions, day, issued, issue, closeKey, revoke, revokeId, askRevoke, form, add, addSessions, dateTime, hhmm, span };
  },
};
