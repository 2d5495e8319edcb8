// The wash bay: pick a day and a slot, a card and the plate; my bookings.
import { Vue } from "../vendor.js";
import { api, dayLabel, hhmm, localDate, showToast } from "../api.js";

const BOOKING_STATUS = { confirmed: "已预约", cancelled: "已取消", washed: "已洗车", no_show: "已失效" };

export default {
  template: `
    <div>
      <van-tabs v-model:active="dayIndex" @change="loadSlots">
        <van-tab v-for="d in days" :key="d" :title="dayLabel(d)" />
      </van-tabs>
      <van-empty v-if="loaded && !slots.length" description="当天未开放预约" />
      <div class="slot-grid">
        <van-button v-for="s in slots" :key="s.id" size="small" :data-testid="'wash-slot-' + s.id"
                    :type="chosen === s.id ? 'primary' : 'default'" :disabled="!s.available"
                    @click="chosen = s.id">{{ hhmm(s.start) }} {{ s.available ? "余" + s.available : "满" }}</van-button>
      </div>
      <van-cell-group inset>
        <van-field v-model.trim="plate" label="车牌号" placeholder="如 粤B12345" data-testid="wash-plate" />
        <van-cell title="洗车卡" :value="card ? card.type.name + '（剩' + card.washes_left + '次）' : '无可用洗车卡'" />
      </van-cell-group>
      <div class="actions">
        <van-button block round type="primary" data-testid="wash-book" :disabled="!chosen || !card || !plate" @click="book">预约</van-button>
      </div>
      <div class="section-title">我的预约</div>
      <van-cell-group inset>
        <van-cell v-for="b in bookings" :key="b.id" :data-testid="'wash-booking-' + b.id"
                  :title="dayLabel(b.slot.start.slice(0, 10)) + ' ' + hhmm(b.slot.start)" :label="b.plate">
          <template #value>
            <span>{{ BOOKING_STATUS[b.status] }}</span>
            <van-button v-if="b.status === 'confirmed'" size="mini" plain @click="cancel(b)">取消</van-button>
          </template>
        </van-cell>
      </van-cell-group>
    </div>`,
  setup() {
    const days = [0, 1, 2, 3, 4, 5, 6].map((n) => localDate(n));
    const dayIndex = Vue.ref(0);
    const slots = Vue.ref([]);
    const loaded = Vue.ref(false);
    const chosen = Vue.ref(0);
    const plate = Vue.ref(localStorage.getItem("qe.plate") || "");
    const card = Vue.ref(null);
    const bookings = Vue.ref([]);
    async function loadSlots() {
      chosen.value = 0;
      slots.value = (await api.get("/carwash/slots", { date: days[dayIndex.value] })).items;
      loaded.value = true;
    }
    async function loadMine() {
      const cards = (await api.get("/carwash/cards")).items;
      card.value = cards.find((c) => c.status === "active" && c.washes_left > 0) || null;
      bookings.value = (await api.get("/carwash/bookings")).items;
    }
    async function book() {
      localStorage.setItem("qe.plate", plate.value);
      await api.post("/carwash/bookings", { slot_id: chosen.value, card_id: card.value.id, plate: plate.value });
      showToast("预约成功", "success");
      await Promise.all([loadSlots(), loadMine()]);
    }
    async function cancel(booking) {
      await api.post(`/carwash/bookings/${booking.id}/cancel`);
      await Promise.all([loadSlots(), loadMine()]);
    }
    Vue.onMounted(() => Promise.all([loadSlots(), loadMine()]));
    return { days, dayIndex, slots, loaded, chosen, plate, card, bookings, book, cancel, loadSlots, dayLabel, hhmm, BOOKING_STATUS };
  },
};
