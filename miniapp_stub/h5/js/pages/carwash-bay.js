// The wash bay: pick a day and a slot (past ones are not offered), a card and the plate;
// my bookings, the coming ones soonest first. One booking = one key.
import { Vue, vant } from "../vendor.js";
import { api, showToast } from "../api.js";
import { dayLabel, hhmm, localDate, span, statusText, statusType } from "../format.js";
import { usePage, useAction } from "../ui.js";
import { route } from "../router.js";
import SubscribeOffer from "./subscribe-offer.js";

function soonestFirst(items, now = Date.now()) {
  const coming = items.filter((b) => new Date(b.slot.end) >= now).sort((a, b) => a.slot.start.localeCompare(b.slot.start));
  const past = items.filter((b) => new Date(b.slot.end) < now).sort((a, b) => b.slot.start.localeCompare(a.slot.start));
  return [...coming, ...past];
}

export default {
  components: { SubscribeOffer },
  template: `
    <div>
      <van-tabs v-model:active="dayIndex" @change="chosen = 0">
        <van-tab v-for="d in days" :key="d" :title="dayLabel(d)" />
      </van-tabs>
      <page-state :page="slots" :pull="false" empty="当天未开放预约，换一天看看">
        <div class="slot-grid">
          <van-button v-for="s in slots.data.items" :key="s.id" size="small" class="tap" :data-testid="'wash-slot-' + s.id"
                      :type="chosen === s.id ? 'primary' : 'default'" :disabled="!s.available || past(s)"
                      @click="chosen = s.id">{{ hhmm(s.start) }} {{ past(s) ? "已过" : s.available ? "余" + s.available : "满" }}</van-button>
        </div>
      </page-state>
      <van-cell-group inset>
        <van-field v-model.trim="plate" label="车牌号" required placeholder="如 粤B12345" data-testid="wash-plate" :error-message="book.fields.plate" />
        <van-cell title="洗车卡" :value="card ? card.type.name + '（剩' + card.washes_left + '次）' : '无可用洗车卡'" />
        <field-error :action="book" name="slot_id" />
      </van-cell-group>
      <div class="actions">
        <van-button block round type="primary" data-testid="wash-book" :loading="book.busy" :disabled="!chosen || !card || !plate" @click="submit">
          预约 {{ chosenSlot ? span(chosenSlot.start, chosenSlot.end) : "" }}
        </van-button>
      </div>
      <subscribe-offer v-if="booked" kinds="carwash" label="订阅洗车提醒" />
      <div class="section-title">我的预约</div>
      <page-state :page="mine" :pull="false" empty="还没有洗车预约，选好时段和车牌后点「预约」">
        <van-cell-group inset>
          <van-cell v-for="b in mine.data.bookings" :key="b.id" :data-testid="'wash-booking-' + b.id"
                    :title="span(b.slot.start, b.slot.end)" :label="b.plate">
            <template #value>
              <van-tag :type="statusType('carwash_booking', b.status)">{{ statusText('carwash_booking', b.status) }}</van-tag>
              <van-button v-if="b.status === 'confirmed'" size="small" plain class="tap" :loading="cancelling.busy && cancelling.target === b.id"
                          :data-testid="'wash-booking-' + b.id + '-cancel'" @click="cancel(b)">取消</van-button>
            </template>
          </van-cell>
        </van-cell-group>
      </page-state>
    </div>`,
  setup() {
    const days = [0, 1, 2, 3, 4, 5, 6].map((n) => localDate(n));
    const dayIndex = Vue.ref(0);
    const chosen = Vue.ref(0);
    const plate = Vue.ref(localStorage.getItem("qe.plate") || "");
    const booked = Vue.ref(route.query?.new === "1");
    const now = Vue.ref(Date.now());
    const slots = usePage(() => api.get("/carwash/slots", { date: days[dayIndex.value] }, { quiet: true }));
    const mine = usePage(async () => {
      const [cards, bookings] = await Promise.all([
        api.get("/carwash/cards", null, { quiet: true }).then((r) => r.items),
        api.get("/carwash/bookings", null, { quiet: true }).then((r) => r.items),
      ]);
      return { card: cards.find((c) => c.status === "active" && c.washes_left > 0) || null, bookings: soonestFirst(bookings) };
    }, { isEmpty: (v) => !v.bookings.length });
    const card = Vue.computed(() => mine.data?.card || null);
    const chosenSlot = Vue.computed(() => slots.data?.items?.find((s) => s.id === chosen.value));
    const past = (s) => new Date(s.start).getTime() <= now.value;
    Vue.watch(dayIndex, () => {
      now.value = Date.now();
      slots.reload();
    });
    const book = useAction((key, body) => api.post("/carwash/bookings", body, { key, quiet: true }), {
      async done() {
        showToast("预约成功", "success");
        booked.value = true;
        chosen.value = 0;
        await Promise.all([slots.refresh(), mine.refresh()]);
      },
    });
    function submit() {
      localStorage.setItem("qe.plate", plate.value);
      return book.run({ slot_id: chosen.value, card_id: card.value.id, plate: plate.value });
    }
    const cancelling = useAction((key, id) => api.post(`/carwash/bookings/${id}/cancel`, {}, { key, quiet: true }), {
      done: () => Promise.all([slots.refresh(), mine.refresh()]),
    });
    async function cancel(booking) {
      const ok = await vant.showConfirmDialog({ title: "取消预约", message: `取消 ${span(booking.slot.start, booking.slot.end)} 的洗车预约？` }).then(() => true, () => false);
      if (!ok) return;
      cancelling.target = booking.id;
      await cancelling.run(booking.id);
    }
    return { days, dayIndex, slots, mine, chosen, chosenSlot, plate, card, booked, book, cancelling, submit, cancel, past, dayLabel, hhmm, span, statusText, statusType };
  },
};
