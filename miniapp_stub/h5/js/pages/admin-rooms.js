// Admin: the rooms, adding one, and bookings waiting for approval.
import { Vue } from "../vendor.js";
import { api, showToast } from "../api.js";
import { span } from "../format.js";
import { usePage, useAction } from "../ui.js";

export default {
  template: `
    <div>
      <page-state :page="page" :pull="false">
      <div class="section-title">待审批预定</div>
      <van-empty v-if="!page.data.pending.length" description="没有待审批的预定" image-size="60" />
      <div v-for="b in page.data.pending" :key="b.id" class="room-card" :data-testid="'approval-' + b.id">
        <div class="room-head"><b>{{ b.title }}</b><span class="muted">{{ b.organizer.name }}</span></div>
        <div class="muted">{{ b.room.name }} · {{ span(b.start, b.end) }} · {{ b.attendees }}人</div>
        <div class="row-actions">
          <van-button size="small" type="primary" class="tap" :loading="deciding.busy && deciding.target === b.id" :data-testid="'approval-' + b.id + '-approve'" @click="decide(b, 'approve')">通过</van-button>
          <van-button size="small" plain type="danger" class="tap" :disabled="deciding.busy && deciding.target === b.id" :data-testid="'approval-' + b.id + '-reject'" @click="decide(b, 'reject')">驳回</van-button>
        </div>
      </div>
      <div class="section-title">会议室（{{ page.data.rooms.length }}）</div>
      <van-cell-group inset>
        <van-cell v-for="r in page.data.rooms" :key="r.id" :title="r.name" :label="r.building + ' ' + r.floor + '层 · ' + r.equipment.join('、')" :value="r.capacity + '人' + (r.needs_approval ? ' · 需审批' : '')" />
      </van-cell-group>
      </page-state>
      <div class="section-title">新增会议室</div>
      <van-cell-group inset>
        <van-field v-model.trim="form.name" label="名称" required data-testid="room-name" :error-message="create.fields.name" />
        <van-field v-model.trim="form.building" label="楼宇" required :error-message="create.fields.building" />
        <van-field v-model.number="form.floor" type="digit" label="楼层" required :error-message="create.fields.floor" />
        <van-field v-model.number="form.capacity" type="digit" label="容纳人数" required :error-message="create.fields.capacity" />
        <van-field v-model="form.equipment" label="设备" placeholder="用顿号分隔，如 投影仪、白板" :error-message="create.fields.equipment" />
        <van-cell title="需要审批" center><template #right-icon><van-switch v-model="form.needs_approval" size="24" /></template></van-cell>
      </van-cell-group>
      <div class="actions"><van-button type="primary" block round :loading="create.busy" :disabled="!form.name || !form.building" data-testid="room-submit" @click="add">新增</van-button></div>
    </div>`,
  setup() {
    const form = Vue.reactive({ name: "", building: "", floor: 1, capacity: 10, equipment: "", needs_approval: false });
    const page = usePage(async () => {
      const [list, waiting] = await Promise.all([
        api.get("/meetings/rooms", null, { quiet: true }),
        api.get("/admin/meetings/bookings", { status: "pending_approval", limit: 50 }, { quiet: true }),
      ]);
      const pending = [...waiting.items].sort((a, b) => a.start.localeCompare(b.start)); // the soonest decides first
      return { rooms: list.items, pending };
    }, { isEmpty: () => false });
    // One new room = one key: a double tap adds it once.
    const create = useAction((key, body) => api.post("/admin/rooms", body, { key, quiet: true }), {
      async done() {
        showToast("已新增", "success");
        Object.assign(form, { name: "", equipment: "" });
        await page.refresh();
      },
    });
    function add() {
      return create.run({
        ...form, floor: Number(form.floor), capacity: Number(form.capacity),
        equipment: form.equipment.split(/[、,，\s]+/).filter(Boolean),
      });
    }
    const deciding = useAction((key, id, action) =>
      api.post(`/admin/meetings/bookings/${id}/${action}`, action === "reject" ? { reason: "时段另有安排" } : {}, { key, quiet: true }));
    async function decide(booking, action) {
      deciding.target = booking.id;
      if (!(await deciding.run(booking.id, action))) return;
      showToast(action === "approve" ? "已通过" : "已驳回", "success");
      await page.refresh();
    }
    return { page, form, create, add, deciding, decide, span };
  },
};
