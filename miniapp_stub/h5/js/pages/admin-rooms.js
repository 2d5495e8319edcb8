// Admin: the rooms (closed ones included), editing one, closing and reopening it, adding one,
// and the bookings waiting for approval.
import { Vue, vant } from "../vendor.js";
import { api, showToast } from "../api.js";
import { span } from "../format.js";
import { usePage, useAction } from "../ui.js";

const FIELDS = ["name", "building", "floor", "capacity", "equipment", "open_from", "open_to", "slot_minutes", "needs_approval"];

function blank() {
  return { name: "", building: "", floor: 1, capacity: 10, equipment: "", open_from: "08:00", open_to: "21:00", slot_minutes: 30, needs_approval: false };
}

function toBody(form) {
  return {
    ...form, floor: Number(form.floor), capacity: Number(form.capacity), slot_minutes: Number(form.slot_minutes),
    equipment: String(form.equipment).split(/[、,，\s]+/).filter(Boolean),
  };
}

const RoomForm = {
  props: { room: { type: Object, default: null } },
  emits: ["saved"],
  template: `
    <div :class="room ? 'admin-popup' : ''" :data-testid="room ? 'room-edit' : 'room-new'">
      <div v-if="room" class="popup-title">修改会议室 · {{ room.name }}</div>
      <van-cell-group inset>
        <van-field v-model.trim="form.name" label="名称" required data-testid="room-name" :error-message="save.fields.name" />
        <van-field v-model.trim="form.building" label="楼宇" required :error-message="save.fields.building" />
        <van-field v-model.number="form.floor" type="number" label="楼层" :error-message="save.fields.floor" />
        <van-field v-model.number="form.capacity" type="digit" label="容纳人数" data-testid="room-capacity" :error-message="save.fields.capacity" />
        <van-field v-model="form.equipment" label="设备" placeholder="用顿号分隔，如 投影仪、白板" :error-message="save.fields.equipment" />
        <van-field v-model="form.open_from" type="time" label="开放自" :error-message="save.fields.open_from" />
        <van-field v-model="form.open_to" type="time" label="开放至" :error-message="save.fields.open_to" />
        <van-field label="时段分钟" :error-message="save.fields.slot_minutes">
          <template #input>
            <van-radio-group v-model="form.slot_minutes" direction="horizontal">
              <van-radio :name="15">15</van-radio><van-radio :name="30">30</van-radio><van-radio :name="60">60</van-radio>
            </van-radio-group>
          </template>
        </van-field>
        <van-cell title="需要审批" center><template #right-icon><van-switch v-model="form.needs_approval" size="20" /></template></van-cell>
      </van-cell-group>
      <div v-if="room" class="hint">已有预订时段时不能修改时段分钟或开放起始时间。</div>
      <div class="actions"><van-button type="primary" block round :loading="save.busy" :disabled="!form.name || !form.building || (room && !changes())"
        data-testid="room-submit" @click="save.run(room ? changes() : toBody(form))">{{ room ? '保存' : '新增' }}</van-button></div>
    </div>`,
  setup(props, { emit }) {
    const start = props.room ? { ...props.room, equipment: props.room.equipment.join("、") } : blank();
    const form = Vue.reactive(Object.fromEntries(FIELDS.map((f) => [f, start[f]])));
    function changes() {
      const body = toBody(form);
      const diff = Object.fromEntries(
        FIELDS.filter((f) => JSON.stringify(body[f]) !== JSON.stringify(props.room[f])).map((f) => [f, body[f]]),
      );
      return Object.keys(diff).length ? diff : null;
    }
    const save = useAction(
      (key, body) => (props.room
        ? api.patch(`/admin/rooms/${props.room.id}`, body, { quiet: true })
        : api.post("/admin/rooms", body, { key, quiet: true })),
      {
        done(room) {
          showToast(props.room ? "已保存" : "已新增", "success");
          if (!props.room) Object.assign(form, blank());
          emit("saved", room);
        },
      },
    );
    return { form, save, changes, toBody };
  },
};

export default {
  components: { RoomForm },
  template: `
    <div class="admin">
      <div class="section-title">待审批预定</div>
      <page-state :page="pending" :pull="false" empty="没有待审批的预定">
        <table class="admin-table">
          <tbody>
            <tr v-for="b in pending.data.items" :key="b.id" :data-testid="'approval-' + b.id">
              <td><b>{{ b.title }}</b><div class="muted">{{ b.organizer.name }} · {{ b.attendees }}人</div></td>
              <td>{{ b.room.name }}<div class="muted">{{ span(b.start, b.end) }}</div></td>
              <td>
                <van-button size="small" type="primary" :loading="decide.busy" @click="decide.run(b.id, 'approve')">通过</van-button>
                <van-button size="small" plain type="danger" :loading="decide.busy" @click="decide.run(b.id, 'reject')">驳回</van-button>
              </td>
            </tr>
          </tbody>
        </table>
      </page-state>
      <div class="admin-bar">
        <b>会议室</b>
        <van-button type="primary" plain icon="plus" data-testid="rooms-new" @click="creating = !creating">{{ creating ? '收起' : '新增会议室' }}</van-button>
      </div>
      <room-form v-if="creating" @saved="created" />
      <page-state :page="page" empty="还没有会议室">
        <table class="admin-table" data-testid="rooms-table">
          <thead><tr><th>名称</th><th class="hide-narrow">位置</th><th>人数</th><th class="hide-narrow">开放 · 时段</th><th>状态</th><th>操作</th></tr></thead>
          <tbody>
            <tr v-for="r in page.data.items" :key="r.id" :class="{ inactive: r.closed }" :data-testid="'room-row-' + r.id">
              <td>{{ r.name }}<div class="muted">{{ r.equipment.join('、') }}</div></td>
              <td class="hide-narrow">{{ r.building }} {{ r.floor }}层</td>
              <td>{{ r.capacity }}</td>
              <td class="hide-narrow">{{ r.open_from }}–{{ r.open_to }} · {{ r.slot_minutes }}分钟{{ r.needs_approval ? ' · 需审批' : '' }}</td>
              <td><van-tag :type="r.closed ? 'default' : 'success'">{{ r.closed ? '已停用' : '开放' }}</van-tag></td>
              <td>
                <van-button size="small" plain type="primary" :data-testid="'room-edit-' + r.id" @click="editing = r">编辑</van-button>
                <van-button size="small" plain :type="r.closed ? 'primary' : 'danger'" :loading="flip.busy && flipId === r.id"
                            :data-testid="'room-close-' + r.id" @click="close(r)">{{ r.closed ? '恢复' : '停用' }}</van-button>
              </td>
            </tr>
          </tbody>
        </table>
      </page-state>
      <van-popup :show="!!editing" position="bottom" round closeable @update:show="(v) => { if (!v) editing = null; }">
        <room-form v-if="editing" :key="editing.id" :room="editing" @saved="saved" />
      </van-popup>
    </div>`,
  setup() {
    const creating = Vue.ref(false);
    const editing = Vue.ref(null);
    const flipId = Vue.ref(null);
    const page = usePage(() => api.get("/admin/rooms", undefined, { quiet: true }));
    const pending = usePage(() => api.get("/admin/meetings/bookings", { status: "pending_approval", limit: 50 }, { quiet: true }));
    const flip = useAction((key, id, closed) => api.patch(`/admin/rooms/${id}`, { closed }, { quiet: true }), {
      done(room) {
        showToast(room.closed ? "会议室已停用" : "会议室已恢复", "success");
        page.replace(room);
      },
    });
    async function close(room) {
      try {
        await vant.showConfirmDialog({
          title: room.closed ? `恢复${room.name}？` : `停用${room.name}？`,
          message: room.closed ? "恢复后可以重新预订。" : "停用后不再接受新预订，已有预订保留。",
        });
      } catch {
        return;
      }
      flipId.value = room.id;
      await flip.run(room.id, !room.closed);
    }
    const decide = useAction(
      (key, id, action) => api.post(`/admin/meetings/bookings/${id}/${action}`, action === "reject" ? { reason: "时段另有安排" } : {}, { key, quiet: true }),
      { done() { showToast("已处理", "success"); pending.refresh(); } },
    );
    return {
      creating, editing, flipId, page, pending, flip, close, decide, span,
      saved(room) { page.replace(room); editing.value = null; },
      created() { creating.value = false; page.refresh(); },
    };
  },
};
