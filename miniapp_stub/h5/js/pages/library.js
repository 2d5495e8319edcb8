// Library: search the catalogue and place holds, borrow in the reading room by scanning a
// copy's barcode, my loans (renew) and my holds (position in the queue, cancel).
import { Vue, vant } from "../vendor.js";
import { api, showToast } from "../api.js";
import { dateTime, span, statusText, statusType } from "../format.js";
import { usePage, useAction } from "../ui.js";
import { wx } from "../wx.js";

/** API.md §9: two renewals per loan; an overdue loan is returned, not renewed. */
export const MAX_RENEWALS = 2;

export function renewClosedReason(loan) {
  if (loan.status === "overdue") return "已逾期，请先归还";
  if (loan.renewals >= MAX_RENEWALS) return `已续借 ${MAX_RENEWALS} 次，不能再续借`;
  return "";
}

export default {
  template: `
    <div class="library">
      <van-button type="primary" block class="scan-big" :loading="borrow.busy" data-testid="library-scan" @click="scanToBorrow">扫码借书（智能书房）</van-button>
      <van-search v-model="q" placeholder="书名、作者或 ISBN" data-testid="library-search" @search="search" @clear="search" />
      <van-cell-group v-if="searched" inset>
        <van-empty v-if="!titles.length" description="没有找到相关图书" />
        <van-cell v-for="t in titles" :key="t.id" :data-testid="'title-' + t.id">
          <template #title><b>{{ t.title }}</b></template>
          <template #label>{{ t.author }} · {{ t.publisher }} {{ t.year || "" }}<br>
            <span :data-testid="'title-' + t.id + '-shelf'">在架 {{ t.available }}/{{ t.copies }}</span> · 排队 {{ t.holds }} 人</template>
          <template #value>
            <van-button size="small" round plain type="primary" class="tap" :loading="holding.busy && holding.target === t.id" :data-testid="'title-' + t.id + '-hold'" @click="placeHold(t)">预约</van-button>
          </template>
        </van-cell>
      </van-cell-group>
      <page-state :page="page" :pull="false">
      <div class="section-title">我的借阅</div>
      <van-empty v-if="!page.data.loans.length" description="暂无借阅，扫书上的条码即可借书" />
      <van-cell-group inset>
        <van-cell v-for="l in page.data.loans" :key="l.id" :data-testid="'loan-' + l.id">
          <template #title>{{ l.title.title }} <span class="muted">{{ l.barcode }}</span></template>
          <template #label>借于 {{ dateTime(l.borrowed_at) }} · 应还 {{ dateTime(l.due_at) }}<template v-if="l.renewals"> · 已续借 {{ l.renewals }} 次</template>
            <div v-if="l.status !== 'returned' && renewClosedReason(l)" class="muted" :data-testid="'loan-' + l.id + '-renew-reason'">{{ renewClosedReason(l) }}</div>
          </template>
          <template #value>
            <van-tag :type="statusType('library', l.status)" :data-testid="'loan-' + l.id + '-status'">{{ statusText('library', l.status) }}</van-tag>
            <van-button v-if="l.status === 'on_loan' || l.status === 'overdue'" size="small" round plain class="row-action tap"
                        :disabled="Boolean(renewClosedReason(l))" :loading="renewing.busy && renewing.target === l.id"
                        :data-testid="'loan-' + l.id + '-renew'" @click="renew(l)">续借</van-button>
          </template>
        </van-cell>
      </van-cell-group>
      <div class="section-title">我的预约</div>
      <van-empty v-if="!page.data.holds.length" description="暂无预约，搜索图书后点「预约」排队" />
      <van-cell-group inset>
        <van-cell v-for="h in page.data.holds" :key="h.id" :data-testid="'hold-' + h.id">
          <template #title>{{ h.title.title }}</template>
          <template #label>
            <span v-if="h.status === 'waiting'" :data-testid="'hold-' + h.id + '-position'">排第 {{ h.position }} 位</span>
            <span v-else-if="h.status === 'ready'">请于 {{ dateTime(h.ready_until) }} 前到预约书架取书（条码 {{ h.barcode }}）</span>
          </template>
          <template #value>
            <van-tag :type="statusType('library_hold', h.status)" :data-testid="'hold-' + h.id + '-status'">{{ statusText('library_hold', h.status) }}</van-tag>
            <van-button v-if="h.status === 'waiting' || h.status === 'ready'" size="small" round plain class="row-action tap"
                        :loading="cancelling.busy && cancelling.target === h.id" :data-testid="'hold-' + h.id + '-cancel'" @click="cancel(h)">取消</van-button>
          </template>
        </van-cell>
      </van-cell-group>
      </page-state>
    </div>`,
  setup() {
    const q = Vue.ref("");
    const titles = Vue.ref([]);
    const searched = Vue.ref(false);
    const page = usePage(async () => {
      const [mine, held] = await Promise.all([api.get("/library/loans", { limit: 50 }, { quiet: true }), api.get("/library/holds", { limit: 50 }, { quiet: true })]);
      // Due soonest first: the book to bring back next is on top.
      const live = (l) => (l.status === "returned" ? 1 : 0);
      const loans = [...mine.items].sort((a, b) => live(a) - live(b) || a.due_at.localeCompare(b.due_at));
      return { loans, holds: held.items };
    }, { isEmpty: () => false });
    async function search() {
      titles.value = (await api.get("/library/titles", { q: q.value, limit: 30 })).items;
      searched.value = true;
    }
    const borrow = useAction((key, barcode) => api.post("/library/loans/self", { barcode }, { key, quiet: true }), {
      async done(loan) {
        showToast(`借书成功：《${loan.title.title}》，应还 ${span(loan.due_at)}`, "success");
        await page.refresh();
      },
    });
    async function scanToBorrow() {
      let scanned;
      try {
        scanned = await wx.scanCode();
      } catch (cancelled) {
        return;
      }
      await borrow.run(scanned.result);
    }
    const holding = useAction((key, titleId) => api.post("/library/holds", { title_id: titleId }, { key, quiet: true }), {
      async done(hold) {
        showToast(hold.status === "ready" ? "已为你保留一册，请到预约书架取书" : `预约成功，排第 ${hold.position} 位`, "success");
        await Promise.all([page.refresh(), searched.value ? search() : null]);
      },
    });
    function placeHold(title) {
      holding.target = title.id;
      return holding.run(title.id);
    }
    // One renewal = one key: a double tap renews once (two taps must not use up both renewals).
    const renewing = useAction((key, loanId) => api.post(`/library/loans/${loanId}/renew`, {}, { key, quiet: true }), {
      async done(loan) {
        showToast(`续借成功，应还 ${span(loan.due_at)}`, "success");
        await page.refresh();
      },
    });
    function renew(loan) {
      if (renewClosedReason(loan)) return undefined;
      renewing.target = loan.id;
      return renewing.run(loan.id);
    }
    const cancelling = useAction((key, holdId) => api.post(`/library/holds/${holdId}/cancel`, {}, { key, quiet: true }), {
      done: () => page.refresh(),
    });
    async function cancel(hold) {
      try {
        await vant.showConfirmDialog({ title: "取消预约", message: `确定取消《${hold.title.title}》的预约？` });
      } catch (dismissed) {
        return;
      }
      cancelling.target = hold.id;
      await cancelling.run(hold.id);
    }
    return { q, titles, searched, page, borrow, holding, renewing, cancelling, search, scanToBorrow, placeHold, renew, cancel, renewClosedReason, dateTime, statusText, statusType };
  },
};
