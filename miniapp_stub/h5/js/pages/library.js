// Library: search the catalogue and place holds, borrow in the reading room by scanning a
// copy's barcode, my loans (renew) and my holds (position in the queue, cancel).
import { Vue, vant } from "../vendor.js";
import { api, dateTime, showToast } from "../api.js";
import { wx } from "../wx.js";

export const LOAN_STATUS = {
  on_loan: ["在借", "primary"], overdue: ["已逾期", "danger"], returned: ["已归还", "default"], lost: ["已挂失", "default"],
};
export const HOLD_STATUS = {
  waiting: ["排队中", "primary"], ready: ["可取书", "success"], fulfilled: ["已借到", "default"],
  expired: ["已过期", "default"], cancelled: ["已取消", "default"],
};

export default {
  template: `
    <div class="library">
      <van-button type="primary" block class="scan-big" data-testid="library-scan" @click="scanToBorrow">扫码借书（智能书房）</van-button>
      <van-search v-model="q" placeholder="书名、作者或 ISBN" data-testid="library-search" @search="search" @clear="search" />
      <van-cell-group v-if="searched" inset>
        <van-empty v-if="!titles.length" description="没有找到相关图书" />
        <van-cell v-for="t in titles" :key="t.id" :data-testid="'title-' + t.id">
          <template #title><b>{{ t.title }}</b></template>
          <template #label>{{ t.author }} · {{ t.publisher }} {{ t.year || "" }}<br>
            <span :data-testid="'title-' + t.id + '-shelf'">在架 {{ t.available }}/{{ t.copies }}</span> · 排队 {{ t.holds }} 人</template>
          <template #value>
            <van-button size="small" round plain type="primary" :data-testid="'title-' + t.id + '-hold'" @click="placeHold(t)">预约</van-button>
          </template>
        </van-cell>
      </van-cell-group>
      <div class="section-title">我的借阅</div>
      <van-empty v-if="loaded && !loans.length" description="暂无借阅" />
      <van-cell-group inset>
        <van-cell v-for="l in loans" :key="l.id" :data-testid="'loan-' + l.id">
          <template #title>{{ l.title.title }} <span class="muted">{{ l.barcode }}</span></template>
          <template #label>应还 {{ dateTime(l.due_at) }}<template v-if="l.renewals"> · 已续借 {{ l.renewals }} 次</template></template>
          <template #value>
            <van-tag :type="LOAN_STATUS[l.status][1]" :data-testid="'loan-' + l.id + '-status'">{{ LOAN_STATUS[l.status][0] }}</van-tag>
            <van-button v-if="l.status === 'on_loan'" size="mini" round plain class="row-action" :data-testid="'loan-' + l.id + '-renew'" @click="renew(l)">续借</van-button>
          </template>
        </van-cell>
      </van-cell-group>
      <div class="section-title">我的预约</div>
      <van-empty v-if="loaded && !holds.length" description="暂无预约" />
      <van-cell-group inset>
        <van-cell v-for="h in holds" :key="h.id" :data-testid="'hold-' + h.id">
          <template #title>{{ h.title.title }}</template>
          <template #label>
            <span v-if="h.status === 'waiting'" :data-testid="'hold-' + h.id + '-position'">排第 {{ h.position }} 位</span>
            <span v-else-if="h.status === 'ready'">请于 {{ dateTime(h.ready_until) }} 前到预约书架取书（条码 {{ h.barcode }}）</span>
          </template>
          <template #value>
            <van-tag :type="HOLD_STATUS[h.status][1]" :data-testid="'hold-' + h.id + '-status'">{{ HOLD_STATUS[h.status][0] }}</van-tag>
            <van-button v-if="h.status === 'waiting' || h.status === 'ready'" size="mini" round plain class="row-action" :data-testid="'hold-' + h.id + '-cancel'" @click="cancel(h)">取消</van-button>
          </template>
        </van-cell>
      </van-cell-group>
    </div>`,
  setup() {
    const q = Vue.ref("");
    const titles = Vue.ref([]);
    const searched = Vue.ref(false);
    const loans = Vue.ref([]);
    const holds = Vue.ref([]);
    const loaded = Vue.ref(false);
    async function load() {
      const [mine, held] = await Promise.all([api.get("/library/loans", { limit: 50 }), api.get("/library/holds", { limit: 50 })]);
      loans.value = mine.items;
      holds.value = held.items;
      loaded.value = true;
    }
    async function search() {
      titles.value = (await api.get("/library/titles", { q: q.value, limit: 30 })).items;
      searched.value = true;
    }
    async function scanToBorrow() {
      let scanned;
      try {
        scanned = await wx.scanCode();
      } catch (cancelled) {
        return;
      }
      const loan = await api.post("/library/loans/self", { barcode: scanned.result });
      showToast(`借书成功：《${loan.title.title}》`, "success");
      await load();
    }
    async function placeHold(title) {
      const hold = await api.post("/library/holds", { title_id: title.id });
      showToast(hold.status === "ready" ? "已为你保留一册，请到预约书架取书" : `预约成功，排第 ${hold.position} 位`, "success");
      await Promise.all([load(), searched.value ? search() : null]);
    }
    async function renew(loan) {
      await api.post(`/library/loans/${loan.id}/renew`);
      showToast("续借成功", "success");
      await load();
    }
    async function cancel(hold) {
      try {
        await vant.showConfirmDialog({ title: "取消预约", message: `确定取消《${hold.title.title}》的预约？` });
      } catch (dismissed) {
        return;
      }
      await api.post(`/library/holds/${hold.id}/cancel`);
      await load();
    }
    Vue.onMounted(load);
    return { q, titles, searched, loans, holds, loaded, search, scanToBorrow, placeHold, renew, cancel, dateTime, LOAN_STATUS, HOLD_STATUS };
  },
};
