// Admin: the rooms, adding one, and bookings waiting for approval.
import { Vue } from "../vendor.js";
import { api, dateTime, hhmm, showToast } from "../api.js";

export default {
  template: `
    <div>
      <div class="section-title">待审批预定</div>
      <van-empty v-if="!pending.length" description="没有待审批的预定" image-size="60" />
      <div v-for="b in pending" :key="b.id" class="room-card" :data-testid="'approval-' + b.id">
        <div class="room-head"><b>{{ b.title }}</b><span class="muted">{{ b.organizer.name }}</span></div>
        <div class="muted">{{ b.room.name }} · {{ dateTime(b.start) }}–{{ hhmm(b.end) }} · {{ b.attendees }}人</div>
        <div class="row-actions">
          <van-button size="small" type="primary" @click="decide(b, 'approve')">通过</van-button>
          <van-button size="small" plain type="danger" @click="decide(b, 'reject')">驳回</van-button>
        </div>
      </div>
      <div class="section-title">会议室（{{ rooms.length }}）</div>
      <van-cell-group inset>
        <van-cell v-for="r in rooms" :key="r.id" :title="r.name" :label="r.building + ' ' + r.floor + '层 · ' + r.equipment.join('、')" :value="r.capacity + '人' + (r.needs_approval ? ' · 需审批' : '')" />
      </van-cell-group>
      <div class="section-title">新增会议室</div>
      <van-cell-group inset>
        <van-field v-model.trim="form.name" label="名称" data-testid="room-name" />
        <van-field v-model.trim="form.building" label="楼宇" />
        <van-field v-model.number="form.floor" type="digit" label="楼层" />
        <van-field v-model.number="form.capacity" type="digit" label="容纳人数" />
        <van-field v-model="form.equipment" label="设备" placeholder="用顿号分隔，如 投影仪、白板" />
        <van-cell title="需要审批" center><template #right-icon><van-switch v-model="form.needs_approval" size="20" /></template></van-cell>
      </van-cell-group>
      <div class="actions"><van-button type="primary" block round :disabled="!form.name || !form.building" data-testid="room-submit" @click="create">新增</van-button></div>
    </div>`,
  setup() {
    const rooms = Vue.ref([]);
    const pending = Vue.ref([]);
    const form = Vue.reactive({ name: "", building: "", floor: 1, capacity: 10, equipment: "", needs_approval: false });
    async function load() {
      const [list, waiting] = await Promise.all([
        api.get("/meetings/rooms"),
        api.get("/admin/meetings/bookings", { status: "pending_approval", limit: 50 }),
      ]);
      rooms.value = list.items;
      pending.value = waiting.items;
    }
    async function create() {
      await api.post("/admin/rooms", {
        ...form, floor: Number(form.floor), capacity: Number(form.capacity),
        equipment: form.equipment.split(/[、,，\s]+/).filter(Boolean),
      });
      showToast("已新增", "success");
      Object.assign(form, { name: "", equipment: "" });
      await load();
    }
    async function decide(booking, action) {
      await api.post(`/admin/meetings/bookings/${booking.id}/${action}`, action === "reject" ? { reason: "时段另有安排" } : {});
      showToast(action === "approve" ? "已通过" : "已驳回", "success");
      await load();
    }
    Vue.onMounted(load);
    return { rooms, pending, form, create, decide, dateTime, hhmm };
  },
};
